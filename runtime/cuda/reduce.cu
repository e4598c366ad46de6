// Reductions, Softmax, LayerNormalization and pooling. Row-wise work gives one warp per row
// (lanes stride the row, then a shuffle reduction), so a row costs one read per pass and no
// shared memory; pooling is one thread per output (pool_output, device_math.cuh).
#include <cfloat>

#include "runtime/cuda/launch.cuh"
#include "runtime/cuda/reduce.cuh"

namespace runtime::cuda {

namespace {

inline constexpr int warps_per_block = threads_per_block / warp_size;

// Blocks for one warp per row, capped (warps loop over rows).
inline unsigned warp_grid(int64_t rows) { return static_cast<unsigned>(blocks_for(rows, warps_per_block)); }

#define PARTPLAN_WARP_STRIDE(row, rows)                                                                               \
  for (int64_t row = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / warp_size; row < (rows); \
       row += static_cast<int64_t>(gridDim.x) * blockDim.x / warp_size)

__global__ void reduce_kernel(ReduceOp op, const float* in, float* out, StridedIndex kept, int64_t out_count, StridedIndex reduced,
                              int64_t reduced_count) {
  const int lane = static_cast<int>(threadIdx.x % warp_size);
  PARTPLAN_WARP_STRIDE(o, out_count) {
    const float* base = in + strided_offset(kept, o);
    float acc = op == ReduceOp::max ? -INFINITY : (op == ReduceOp::min ? INFINITY : 0.0f);
    for (int64_t r = lane; r < reduced_count; r += warp_size) {
      const float v = base[strided_offset(reduced, r)];
      // A NaN, once seen, stays (as numpy's and the CPU kernel's max/min): fmaxf would drop it.
      if (op == ReduceOp::max) acc = v != v || acc != acc ? NAN : fmaxf(acc, v);
      else if (op == ReduceOp::min) acc = v != v || acc != acc ? NAN : fminf(acc, v);
      else acc += v;
    }
    if (op == ReduceOp::max) {
      const bool nan = __any_sync(0xffffffffu, acc != acc);
      acc = nan ? NAN : warp_max(acc);
    } else if (op == ReduceOp::min) {
      const bool nan = __any_sync(0xffffffffu, acc != acc);
      acc = nan ? NAN : warp_min(acc);
    } else {
      acc = warp_sum(acc);
    }
    // An empty mean is 0/0 = NaN, as on the CPU.
    if (lane == 0) out[o] = op == ReduceOp::mean ? acc / static_cast<float>(reduced_count) : acc;
  }
}

__global__ void softmax_kernel(const float* in, float* out, int64_t rows, int64_t length, int64_t stride, bool log) {
  const int lane = static_cast<int>(threadIdx.x % warp_size);
  PARTPLAN_WARP_STRIDE(row, rows) {
    const int64_t start = (row / stride) * length * stride + row % stride;
    const float* x = in + start;
    float* y = out + start;
    float high = -INFINITY;
    for (int64_t k = lane; k < length; k += warp_size) high = fmaxf(high, x[k * stride]);
    high = warp_max(high);
    float sum = 0.0f;
    for (int64_t k = lane; k < length; k += warp_size) sum += expf(x[k * stride] - high);
    sum = warp_sum(sum);
    if (log) {
      const float log_sum = logf(sum);
      for (int64_t k = lane; k < length; k += warp_size) y[k * stride] = x[k * stride] - high - log_sum;
    } else {
      const float inverse = 1.0f / sum;
      for (int64_t k = lane; k < length; k += warp_size) y[k * stride] = expf(x[k * stride] - high) * inverse;
    }
  }
}

// A row's mean and 1/sqrt(variance + epsilon), every lane of the warp taking part. Two passes
// (mean, then the mean square deviation): one pass of sum and sum of squares loses digits when
// the mean is large next to the spread.
struct RowMoments {
  float mean, inverse_std;
};
__device__ RowMoments row_moments(const float* in, int64_t cols, float epsilon, int lane) {
  float sum = 0.0f;
  for (int64_t k = lane; k < cols; k += warp_size) sum += in[k];
  const float mean = warp_sum(sum) / static_cast<float>(cols);
  float squares = 0.0f;
  for (int64_t k = lane; k < cols; k += warp_size) {
    const float d = in[k] - mean;
    squares += d * d;
  }
  return {mean, rsqrtf(warp_sum(squares) / static_cast<float>(cols) + epsilon)};
}

__global__ void layer_norm_kernel(const float* x, const float* scale, const float* bias, float* y, int64_t rows, int64_t cols,
                                  float epsilon) {
  const int lane = static_cast<int>(threadIdx.x % warp_size);
  PARTPLAN_WARP_STRIDE(row, rows) {
    const float* in = x + row * cols;
    float* o = y + row * cols;
    const RowMoments m = row_moments(in, cols, epsilon, lane);
    for (int64_t k = lane; k < cols; k += warp_size) {
      const float v = (in[k] - m.mean) * m.inverse_std * scale[k];
      o[k] = bias != nullptr ? v + bias[k] : v;
    }
  }
}

// layer_norm_kernel with one scale and bias per plane's channel.
__global__ void instance_norm_kernel(const float* x, const float* scale, const float* bias, float* y, int64_t planes, int64_t cols,
                                     int64_t channels, float epsilon) {
  const int lane = static_cast<int>(threadIdx.x % warp_size);
  PARTPLAN_WARP_STRIDE(plane, planes) {
    const float* in = x + plane * cols;
    float* o = y + plane * cols;
    const RowMoments m = row_moments(in, cols, epsilon, lane);
    const int64_t c = plane % channels;
    const float gain = scale[c] * m.inverse_std;
    for (int64_t k = lane; k < cols; k += warp_size) o[k] = (in[k] - m.mean) * gain + bias[c];
  }
}

__global__ void argmax_kernel(const float* x, int64_t* y, int64_t outer, int64_t n, int64_t inner, bool last) {
  PARTPLAN_GRID_STRIDE(slice, outer * inner) {
    const int64_t o = slice / inner, i = slice % inner;
    y[slice] = argmax_of(x + o * n * inner + i, n, inner, last);
  }
}

__global__ void topk_kernel(const float* x, float* values, int64_t* indices, int64_t outer, int64_t n, int64_t inner, int64_t k, bool largest) {
  PARTPLAN_GRID_STRIDE(slice, outer * inner) {
    const int64_t o = slice / inner, i = slice % inner;
    const int64_t out = o * k * inner + i;
    topk_of(x + o * n * inner + i, n, inner, k, largest, values != nullptr ? values + out : nullptr, indices != nullptr ? indices + out : nullptr,
            inner);
  }
}

__global__ void pool_kernel(PoolParams p, const float* in, float* out, int64_t n) {
  const int64_t out_plane = p.out_dims[0] * p.out_dims[1] * p.out_dims[2];
  const int64_t in_plane = p.in_dims[0] * p.in_dims[1] * p.in_dims[2];
  PARTPLAN_GRID_STRIDE(i, n) { out[i] = pool_output(p, in + (i / out_plane) * in_plane, i % out_plane); }
}

}  // namespace

void launch_reduce(ReduceOp op, const float* in, float* out, const StridedIndex& kept, int64_t out_count, const StridedIndex& reduced,
                   int64_t reduced_count, cudaStream_t stream) {
  if (out_count > 0) reduce_kernel<<<warp_grid(out_count), threads_per_block, 0, stream>>>(op, in, out, kept, out_count, reduced, reduced_count);
}

void launch_softmax(const float* in, float* out, int64_t outer, int64_t length, int64_t stride, bool log, cudaStream_t stream) {
  const int64_t rows = outer * stride;
  if (rows > 0 && length > 0) softmax_kernel<<<warp_grid(rows), threads_per_block, 0, stream>>>(in, out, rows, length, stride, log);
}

void launch_layer_norm(const float* x, const float* scale, const float* bias, float* y, int64_t rows, int64_t cols, float epsilon,
                       cudaStream_t stream) {
  if (rows > 0 && cols > 0) layer_norm_kernel<<<warp_grid(rows), threads_per_block, 0, stream>>>(x, scale, bias, y, rows, cols, epsilon);
}

void launch_instance_norm(const float* x, const float* scale, const float* bias, float* y, int64_t planes, int64_t cols, int64_t channels,
                          float epsilon, cudaStream_t stream) {
  if (planes > 0 && cols > 0)
    instance_norm_kernel<<<warp_grid(planes), threads_per_block, 0, stream>>>(x, scale, bias, y, planes, cols, channels, epsilon);
}

void launch_argmax(const float* x, int64_t* y, int64_t outer, int64_t n, int64_t inner, bool last, cudaStream_t stream) {
  if (outer * inner > 0 && n > 0) argmax_kernel<<<grid_for(outer * inner), threads_per_block, 0, stream>>>(x, y, outer, n, inner, last);
}

void launch_topk(const float* x, float* values, int64_t* indices, int64_t outer, int64_t n, int64_t inner, int64_t k, bool largest,
                 cudaStream_t stream) {
  if (outer * inner > 0 && k > 0) topk_kernel<<<grid_for(outer * inner), threads_per_block, 0, stream>>>(x, values, indices, outer, n, inner, k, largest);
}

void launch_pool(const PoolParams& params, const float* in, float* out, int64_t planes, cudaStream_t stream) {
  const int64_t n = planes * params.out_dims[0] * params.out_dims[1] * params.out_dims[2];
  if (n > 0) pool_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(params, in, out, n);
}

}  // namespace runtime::cuda
