// Recurrent cells, one thread per (batch row, hidden unit) per step; the math follows the CPU
// kernel (runtime/cpu/rnn.cpp) line by line: biases, peepholes, clip, input_forget,
// linear_before_reset.
#include "runtime/cuda/launch.cuh"
#include "runtime/cuda/rnn.cuh"

namespace runtime::cuda {

namespace {

__device__ __forceinline__ float clipped(float v, float clip) { return clip > 0.0f ? fminf(fmaxf(v, -clip), clip) : v; }
__device__ __forceinline__ float sigmoid(float v) { return apply_activation({Activation::sigmoid}, v); }

__global__ void lstm_step_kernel(RecurrentStep s) {
  const int64_t H = s.hidden, n_items = s.batch * H;
  PARTPLAN_GRID_STRIDE(item, n_items) {
    const int64_t n = item / H, k = item % H;
    const float* xw = s.xw + n * 4 * H;
    const float* rec = s.rec + n * 4 * H;
    auto gate = [&](int g) { return xw[g * H + k] + rec[g * H + k] + (s.bias != nullptr ? s.bias[g * H + k] : 0.0f); };
    const float c_prev = s.c[item];
    float i = gate(0), o = gate(1), f = gate(2), c_hat = gate(3);
    if (s.peephole != nullptr) {
      i += s.peephole[k] * c_prev;
      f += s.peephole[2 * H + k] * c_prev;
    }
    i = sigmoid(clipped(i, s.clip));
    f = s.input_forget ? 1.0f - i : sigmoid(clipped(f, s.clip));
    c_hat = tanhf(clipped(c_hat, s.clip));
    const float c = f * c_prev + i * c_hat;
    if (s.peephole != nullptr) o += s.peephole[H + k] * c;
    o = sigmoid(clipped(o, s.clip));
    const float h = o * tanhf(c);
    s.c[item] = c;
    s.h[item] = h;
    if (s.y != nullptr) s.y[item] = h;
  }
}

__global__ void rnn_step_kernel(RecurrentStep s) {
  const int64_t n_items = s.batch * s.hidden;
  PARTPLAN_GRID_STRIDE(item, n_items) {
    const int64_t k = item % s.hidden;
    float v = s.xw[item] + s.rec[item] + (s.bias != nullptr ? s.bias[k] : 0.0f);
    const float h = apply_activation(s.activation, clipped(v, s.clip));
    s.h[item] = h;
    if (s.y != nullptr) s.y[item] = h;
  }
}

__global__ void gru_gates_kernel(RecurrentStep s) {
  const int64_t H = s.hidden, n_items = s.batch * H;
  PARTPLAN_GRID_STRIDE(item, n_items) {
    const int64_t n = item / H, k = item % H;
    const float* xw = s.xw + n * 3 * H;
    const float* rec = s.rec + n * 3 * H;
    auto bias = [&](int g) { return s.bias != nullptr ? s.bias[g * H + k] : 0.0f; };
    const float z = sigmoid(clipped(xw[k] + rec[k] + bias(0), s.clip));
    const float r = sigmoid(clipped(xw[H + k] + rec[H + k] + bias(1), s.clip));
    const float h_prev = s.h[item];
    if (!s.linear_before_reset) {
      s.z[item] = z;
      s.rh[item] = r * h_prev;
      continue;
    }
    const float rbh = s.recurrent_bias_h != nullptr ? s.recurrent_bias_h[k] : 0.0f;
    const float h_hat = tanhf(clipped(xw[2 * H + k] + bias(2) + r * (rec[2 * H + k] + rbh), s.clip));
    const float h = (1.0f - z) * h_hat + z * h_prev;
    s.h[item] = h;
    if (s.y != nullptr) s.y[item] = h;
  }
}

__global__ void gru_finish_kernel(RecurrentStep s) {
  const int64_t H = s.hidden, n_items = s.batch * H;
  PARTPLAN_GRID_STRIDE(item, n_items) {
    const int64_t n = item / H, k = item % H;
    const float h_hat = tanhf(clipped(s.xw[n * 3 * H + 2 * H + k] + (s.bias != nullptr ? s.bias[2 * H + k] : 0.0f) + s.rec_h[item], s.clip));
    const float z = s.z[item];
    const float h = (1.0f - z) * h_hat + z * s.h[item];
    s.h[item] = h;
    if (s.y != nullptr) s.y[item] = h;
  }
}

}  // namespace

void launch_lstm_step(const RecurrentStep& step, cudaStream_t stream) {
  const int64_t n = step.batch * step.hidden;
  if (n > 0) lstm_step_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(step);
}
void launch_rnn_step(const RecurrentStep& step, cudaStream_t stream) {
  const int64_t n = step.batch * step.hidden;
  if (n > 0) rnn_step_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(step);
}
void launch_gru_gates(const RecurrentStep& step, cudaStream_t stream) {
  const int64_t n = step.batch * step.hidden;
  if (n > 0) gru_gates_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(step);
}
void launch_gru_finish(const RecurrentStep& step, cudaStream_t stream) {
  const int64_t n = step.batch * step.hidden;
  if (n > 0) gru_finish_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(step);
}

}  // namespace runtime::cuda
