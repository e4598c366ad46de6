// Elementwise kernels: one thread per element in a grid-stride loop. The per-element math is
// device_math.cuh's (shared with the CPU-side tests); this file only maps threads to elements.
#include <limits>
#include <type_traits>

#include "runtime/cuda/elementwise.cuh"
#include "runtime/cuda/launch.cuh"

namespace runtime::cuda {

namespace {

__global__ void activation_kernel(ActivationSpec act, const float* x, float* y, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) { y[i] = apply_activation(act, x[i]); }
}

__global__ void channel_affine_kernel(const float* x, float* y, const float* scale, const float* shift, int64_t channels, int64_t inner,
                                      int64_t n, ActivationSpec act) {
  PARTPLAN_GRID_STRIDE(i, n) {
    const int64_t c = (i / inner) % channels;
    float v = x[i];
    if (scale != nullptr) v *= scale[c];
    if (shift != nullptr) v += shift[c];
    y[i] = apply_activation(act, v);
  }
}

template <typename T>
__global__ void arithmetic_kernel(BinaryOp op, const T* a, StridedIndex ai, const T* b, StridedIndex bi, T* out, int64_t n,
                                  ActivationSpec act) {
  PARTPLAN_GRID_STRIDE(i, n) {
    const T x = a[strided_offset(ai, i)];
    const T y = b[strided_offset(bi, i)];
    if constexpr (std::is_same<T, float>::value) {
      const float v = op == BinaryOp::pow ? apply_pow(x, y) : apply_arithmetic(op, x, y);
      out[i] = apply_activation(act, v);
    } else {
      out[i] = apply_arithmetic(op, x, y);
    }
  }
}

template <typename T>
__global__ void comparison_kernel(BinaryOp op, const T* a, StridedIndex ai, const T* b, StridedIndex bi, uint8_t* out, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) { out[i] = apply_comparison(op, a[strided_offset(ai, i)], b[strided_offset(bi, i)]) ? 1 : 0; }
}

template <typename T>
__global__ void where_kernel(const uint8_t* cond, StridedIndex ci, const T* x, StridedIndex xi, const T* y, StridedIndex yi, T* out,
                             int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) { out[i] = cond[strided_offset(ci, i)] != 0 ? x[strided_offset(xi, i)] : y[strided_offset(yi, i)]; }
}

// Saturating float -> integer, as the CPU kernel's clamp_to (NaN -> 0).
template <typename To, typename From>
__device__ To convert(From v) {
  if constexpr (std::is_same<To, bool>::value) {
    return v != From(0);
  } else if constexpr (std::is_floating_point<From>::value && std::is_integral<To>::value) {
    const double d = static_cast<double>(v);
    if (!(d == d)) return To(0);
    if (d <= static_cast<double>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
    if (d >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(d);
  } else {
    return static_cast<To>(v);
  }
}

template <typename To, typename From>
__global__ void cast_kernel(const From* in, To* out, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) { out[i] = convert<To>(in[i]); }
}

__global__ void not_kernel(const uint8_t* in, uint8_t* out, int64_t n) {
  PARTPLAN_GRID_STRIDE(i, n) { out[i] = in[i] == 0 ? 1 : 0; }
}

// Calls fn(T{}) with the C++ type of an element type; false for one without a kernel. Booleans
// are bytes holding 0 or 1, read and written as bool.
template <typename Fn>
bool visit(ElementType type, Fn&& fn) {
  switch (type) {
    case ElementType::f32: fn(float{}); return true;
    case ElementType::f64: fn(double{}); return true;
    case ElementType::i32: fn(int32_t{}); return true;
    case ElementType::i64: fn(int64_t{}); return true;
    case ElementType::i8: fn(int8_t{}); return true;
    case ElementType::u8: fn(uint8_t{}); return true;
    case ElementType::boolean: fn(bool{}); return true;
  }
  return false;
}

}  // namespace

void launch_activation(ActivationSpec act, const float* x, float* y, int64_t n, cudaStream_t stream) {
  if (n > 0) activation_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(act, x, y, n);
}

void launch_channel_affine(const float* x, float* y, const float* scale, const float* shift, int64_t channels, int64_t inner,
                           int64_t n, ActivationSpec act, cudaStream_t stream) {
  if (n > 0) channel_affine_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(x, y, scale, shift, channels, inner, n, act);
}

void launch_binary(BinaryOp op, ElementType type, const void* a, const StridedIndex& a_index, const void* b,
                   const StridedIndex& b_index, void* out, int64_t n, ActivationSpec act, cudaStream_t stream) {
  if (n <= 0) return;
  const bool comparison = op == BinaryOp::equal || op == BinaryOp::less || op == BinaryOp::greater || op == BinaryOp::logical_and;
  auto launch = [&](auto tag) {
    using T = decltype(tag);
    if (comparison) {
      comparison_kernel<T><<<grid_for(n), threads_per_block, 0, stream>>>(op, static_cast<const T*>(a), a_index, static_cast<const T*>(b),
                                                                      b_index, static_cast<uint8_t*>(out), n);
    } else {
      arithmetic_kernel<T><<<grid_for(n), threads_per_block, 0, stream>>>(op, static_cast<const T*>(a), a_index, static_cast<const T*>(b),
                                                                      b_index, static_cast<T*>(out), n, act);
    }
  };
  switch (type) {
    case ElementType::f32: launch(float{}); break;
    case ElementType::i32: launch(int32_t{}); break;
    case ElementType::i64: launch(int64_t{}); break;
    case ElementType::boolean:  // Equal and And on booleans: bytes holding 0 or 1
      comparison_kernel<uint8_t><<<grid_for(n), threads_per_block, 0, stream>>>(op, static_cast<const uint8_t*>(a), a_index,
                                                                            static_cast<const uint8_t*>(b), b_index,
                                                                            static_cast<uint8_t*>(out), n);
      break;
    default: break;  // refused in prepare()
  }
}

void launch_where(int element_bytes, const uint8_t* cond, const StridedIndex& cond_index, const void* x, const StridedIndex& x_index,
                  const void* y, const StridedIndex& y_index, void* out, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  auto launch = [&](auto tag) {
    using T = decltype(tag);
    where_kernel<T><<<grid_for(n), threads_per_block, 0, stream>>>(cond, cond_index, static_cast<const T*>(x), x_index,
                                                               static_cast<const T*>(y), y_index, static_cast<T*>(out), n);
  };
  switch (element_bytes) {
    case 1: launch(uint8_t{}); break;
    case 2: launch(uint16_t{}); break;
    case 4: launch(uint32_t{}); break;
    default: launch(uint64_t{}); break;
  }
}

bool cast_supported(ElementType from, ElementType to) {
  bool ok = false;
  visit(from, [&](auto) { visit(to, [&](auto) { ok = true; }); });
  return ok;
}

bool launch_cast(ElementType from, ElementType to, const void* in, void* out, int64_t n, cudaStream_t stream) {
  bool launched = false;
  visit(from, [&](auto from_tag) {
    visit(to, [&](auto to_tag) {
      using From = decltype(from_tag);
      using To = decltype(to_tag);
      if (n > 0) cast_kernel<To, From><<<grid_for(n), threads_per_block, 0, stream>>>(static_cast<const From*>(in), static_cast<To*>(out), n);
      launched = true;
    });
  });
  return launched;
}

void launch_logical_not(const uint8_t* in, uint8_t* out, int64_t n, cudaStream_t stream) {
  if (n > 0) not_kernel<<<grid_for(n), threads_per_block, 0, stream>>>(in, out, n);
}

}  // namespace runtime::cuda
