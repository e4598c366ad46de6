// Data-movement kernels: elements moved as opaque words, one thread per output element.
#include "runtime/cuda/launch.cuh"
#include "runtime/cuda/movement.cuh"

namespace runtime::cuda {

namespace {

template <typename T>
__global__ void strided_copy_kernel(const T* in, StridedIndex index, T* out, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) { out[i] = in[strided_offset(index, i)]; }
}

template <typename T, typename I>
__global__ void gather_kernel(const T* data, const I* indices, T* out, int64_t axis_dim, int64_t index_count, int64_t inner, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) {
    const int64_t k = i % inner;
    const int64_t j = (i / inner) % index_count;
    const int64_t o = i / (inner * index_count);
    int64_t row = static_cast<int64_t>(indices[j]);
    if (row < 0) row += axis_dim;
    out[i] = row >= 0 && row < axis_dim ? data[(o * axis_dim + row) * inner + k] : T(0);
  }
}

template <typename T>
__global__ void pad_kernel(const T* in, T* out, PadIndex index, const int64_t* tables, T fill, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) {
    int64_t rest = i, offset = 0;
    bool filled = false;
    for (int d = index.rank - 1; d >= 0; --d) {
      const int64_t position = rest % index.out_dims[d];
      rest /= index.out_dims[d];
      const int64_t source = tables[index.table_offsets[d] + position];
      if (source < 0) filled = true;
      offset += source * index.in_strides[d];
    }
    out[i] = filled ? fill : in[offset];
  }
}

template <typename T>
__global__ void resize_nearest_kernel(const T* src, T* dst, ResizePass p, T extrapolation, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) {
    const int64_t inner = i % p.inner, j = (i / p.inner) % p.out_len, o = i / (p.inner * p.out_len);
    dst[i] = p.extrapolate[j] ? extrapolation : src[(o * p.in_len + p.index[j]) * p.inner + inner];
  }
}

__global__ void resize_weighted_kernel(const float* src, float* dst, ResizePass p, float extrapolation, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) {
    const int64_t inner = i % p.inner, j = (i / p.inner) % p.out_len, o = i / (p.inner * p.out_len);
    if (p.extrapolate[j]) {
      dst[i] = extrapolation;
      continue;
    }
    float sum = 0.0f;
    for (int64_t k = 0; k < p.width; ++k) sum += p.weight[j * p.width + k] * src[(o * p.in_len + p.index[j * p.width + k]) * p.inner + inner];
    dst[i] = sum;
  }
}

// Calls fn(T{}) with an unsigned word type of element_bytes.
template <typename Fn>
void by_width(int element_bytes, Fn&& fn) {
  switch (element_bytes) {
    case 1: fn(uint8_t{}); break;
    case 2: fn(uint16_t{}); break;
    case 4: fn(uint32_t{}); break;
    default: fn(uint64_t{}); break;
  }
}

}  // namespace

void launch_strided_copy(int element_bytes, const void* in, const StridedIndex& in_index, void* out, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  by_width(element_bytes, [&](auto tag) {
    using T = decltype(tag);
    strided_copy_kernel<T><<<grid_for(n), threads_per_block, 0, stream>>>(static_cast<const T*>(in), in_index, static_cast<T*>(out), n);
  });
}

void launch_gather(int element_bytes, const void* data, const void* indices, bool indices_int32, void* out, int64_t outer,
                   int64_t axis_dim, int64_t index_count, int64_t inner, cudaStream_t stream) {
  const int64_t n = outer * index_count * inner;
  if (n <= 0) return;
  by_width(element_bytes, [&](auto tag) {
    using T = decltype(tag);
    if (indices_int32)
      gather_kernel<T, int32_t><<<grid_for(n), threads_per_block, 0, stream>>>(static_cast<const T*>(data), static_cast<const int32_t*>(indices),
                                                                          static_cast<T*>(out), axis_dim, index_count, inner, n);
    else
      gather_kernel<T, int64_t><<<grid_for(n), threads_per_block, 0, stream>>>(static_cast<const T*>(data), static_cast<const int64_t*>(indices),
                                                                          static_cast<T*>(out), axis_dim, index_count, inner, n);
  });
}

void launch_pad(int element_bytes, const void* in, void* out, const PadIndex& index, const int64_t* tables, uint64_t fill_bits, int64_t n,
                cudaStream_t stream) {
  if (n <= 0) return;
  by_width(element_bytes, [&](auto tag) {
    using T = decltype(tag);
    const T fill = static_cast<T>(fill_bits);  // the low bytes: little-endian, as the CPU kernel reads them
    pad_kernel<T><<<grid_for(n), threads_per_block, 0, stream>>>(static_cast<const T*>(in), static_cast<T*>(out), index, tables, fill, n);
  });
}

void launch_resize_nearest(int element_bytes, const void* src, void* dst, const ResizePass& pass, uint64_t extrapolation_bits,
                           cudaStream_t stream) {
  const int64_t n = pass.outer * pass.out_len * pass.inner;
  if (n <= 0) return;
  by_width(element_bytes, [&](auto tag) {
    using T = decltype(tag);
    resize_nearest_kernel<T><<<grid_for(n), threads_per_block, 0, stream>>>(static_cast<const T*>(src), static_cast<T*>(dst), pass,
                                                                          static_cast<T>(extrapolation_bits), n);
  });
}

void launch_resize_weighted(const float* src, float* dst, const ResizePass& pass, float extrapolation, cudaStream_t stream) {
  const int64_t n = pass.outer * pass.out_len * pass.inner;
  if (n > 0) resize_weighted_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(src, dst, pass, extrapolation, n);
}

}  // namespace runtime::cuda
