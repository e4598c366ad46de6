#pragma once
// Launchers of the elementwise kernels (elementwise.cu): plain pointers, a stream, the index
// plans of device_math.cuh. Each enqueues on `stream` and returns at once; launch errors
// surface at the device's next synchronisation. C++17.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "runtime/cuda/device_math.cuh"

namespace runtime::cuda {

// y[i] = act(x[i]) for n float32 elements (x == y allowed).
void launch_activation(ActivationSpec act, const float* x, float* y, int64_t n, cudaStream_t stream);

// y[i] = act(x[i] * scale[c] + shift[c]) with c = (i / inner) % channels: a per-channel affine
// map of an NCHW-style tensor (BatchNormalization folded to scale and shift, a Conv's bias).
// scale or shift may be null (1 and 0).
void launch_channel_affine(const float* x, float* y, const float* scale, const float* shift, int64_t channels, int64_t inner,
                           int64_t n, ActivationSpec act, cudaStream_t stream);

// out[i] = op(a[a_index(i)], b[b_index(i)]) over n output elements, then `act` (float only).
// Arithmetic for f32, i32, i64 (pow: f32); comparisons and And write booleans (uint8).
void launch_binary(BinaryOp op, ElementType type, const void* a, const StridedIndex& a_index, const void* b,
                   const StridedIndex& b_index, void* out, int64_t n, ActivationSpec act, cudaStream_t stream);

// out[i] = cond[c(i)] ? x[x(i)] : y[y(i)] for elements of element_bytes (1, 2, 4 or 8).
void launch_where(int element_bytes, const uint8_t* cond, const StridedIndex& cond_index, const void* x, const StridedIndex& x_index,
                  const void* y, const StridedIndex& y_index, void* out, int64_t n, cudaStream_t stream);

// out[i] = (To) in[i]; float to integer saturates (NaN -> 0), anything to bool is != 0.
// Returns false for a pair of types it has no kernel for (nothing enqueued).
bool launch_cast(ElementType from, ElementType to, const void* in, void* out, int64_t n, cudaStream_t stream);
bool cast_supported(ElementType from, ElementType to);

// Not for booleans: out = !in.
void launch_logical_not(const uint8_t* in, uint8_t* out, int64_t n, cudaStream_t stream);

}  // namespace runtime::cuda
