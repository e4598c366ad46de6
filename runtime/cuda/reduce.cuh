#pragma once
// Launchers of the reductions and row-wise normalisations (reduce.cu), float32. C++17.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "runtime/cuda/device_math.cuh"

namespace runtime::cuda {

enum class ReduceOp : int { sum, mean, max, min };

// out[o] = op over r of in[strided_offset(kept, o) + strided_offset(reduced, r)], for
// out_count outputs each over reduced_count elements (kept.offset and reduced.offset are 0).
// Empty reductions give 0 for sum/mean, -inf/+inf for max/min.
void launch_reduce(ReduceOp op, const float* in, float* out, const StridedIndex& kept, int64_t out_count, const StridedIndex& reduced,
                   int64_t reduced_count, cudaStream_t stream);

// Softmax (or LogSoftmax) along an axis of `length` elements lying `stride` apart: the input is
// [outer, length, stride] and each of outer*stride rows is normalised on its own.
void launch_softmax(const float* in, float* out, int64_t outer, int64_t length, int64_t stride, bool log, cudaStream_t stream);

// LayerNormalization over the last `cols` elements of each of `rows` rows:
// y = (x - mean) / sqrt(var + epsilon) * scale + bias (bias may be null).
void launch_layer_norm(const float* x, const float* scale, const float* bias, float* y, int64_t rows, int64_t cols, float epsilon,
                       cudaStream_t stream);

// InstanceNormalization: each of `planes` = N*C rows of `cols` elements normalised on its own,
// then y = x̂ * scale[c] + bias[c] with c = plane % channels.
void launch_instance_norm(const float* x, const float* scale, const float* bias, float* y, int64_t planes, int64_t cols, int64_t channels,
                          float epsilon, cudaStream_t stream);

// ArgMax / TopK over the middle axis of [outer, n, inner] (argmax_of / topk_of, device_math.cuh).
void launch_argmax(const float* x, int64_t* y, int64_t outer, int64_t n, int64_t inner, bool last, cudaStream_t stream);
void launch_topk(const float* x, float* values, int64_t* indices, int64_t outer, int64_t n, int64_t inner, int64_t k, bool largest,
                 cudaStream_t stream);

// MaxPool / AveragePool (PoolParams and pool_output are device_math.cuh's): `planes` = N*C planes.
void launch_pool(const PoolParams& params, const float* in, float* out, int64_t planes, cudaStream_t stream);

}  // namespace runtime::cuda
