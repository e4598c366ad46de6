#pragma once
// Launchers of the recurrent cells' per-step elementwise kernels (rnn.cu). The matrix products
// around them (X·Wᵀ once per direction, H·Rᵀ per step) are cuBLAS calls in rnn_kernels.cpp;
// one step's kernel turns those products into the new state and writes it to Y. Gate order is
// ONNX's: LSTM i, o, f, c; GRU z, r, h. C++17.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "runtime/cuda/device_math.cuh"

namespace runtime::cuda {

struct RecurrentStep {
  int64_t batch = 0, hidden = 0;
  const float* xw = nullptr;       // [batch, G*H]: this step's X·Wᵀ
  const float* bias = nullptr;     // [G*H]: Wb + Rb (GRU with linear_before_reset: Wbh alone in h's block)
  const float* rec = nullptr;      // [batch, G*H]: H·Rᵀ (GRU without linear_before_reset: z, r blocks only)
  const float* rec_h = nullptr;    // GRU: [batch, H] (r⊙H)·Rhᵀ (without linear_before_reset), else unused
  const float* recurrent_bias_h = nullptr;  // GRU with linear_before_reset: Rbh [H]
  const float* peephole = nullptr;  // LSTM: [Pi, Po, Pf] (3H) or null
  float* h = nullptr;               // [batch, H] state, updated in place
  float* c = nullptr;               // LSTM cell state [batch, H]
  float* y = nullptr;               // this step's [batch, H] block of Y, or null
  float* z = nullptr;               // GRU scratch [batch, H]: the update gate between the two kernels
  float* rh = nullptr;              // GRU scratch [batch, H]: r⊙H for the second product
  float clip = 0.0f;                // 0: no clipping
  bool input_forget = false, linear_before_reset = false;
  ActivationSpec activation;        // RNN's f
};

void launch_lstm_step(const RecurrentStep& step, cudaStream_t stream);
void launch_rnn_step(const RecurrentStep& step, cudaStream_t stream);
// GRU: with linear_before_reset the whole step; without it, z and r (and r⊙H into `rh`) first,
// then — after the caller's (r⊙H)·Rhᵀ product into rec_h — the finish.
void launch_gru_gates(const RecurrentStep& step, cudaStream_t stream);
void launch_gru_finish(const RecurrentStep& step, cudaStream_t stream);

}  // namespace runtime::cuda
