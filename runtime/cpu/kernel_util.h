#pragma once
// Helpers the CPU kernels share: threads, dtype dispatch, copies. The device-neutral ones
// (attributes, strides, copy plans) are runtime/kernel_util.h's.
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "runtime/kernel_util.h"

namespace runtime::cpu {

// Kernels that see their tensors as flat arrays of elements (unary elementwise ops) run in
// any layout, so long as input and output share it.
class FlatKernel : public Kernel {
 public:
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }
};

// Below this many elements an OpenMP region costs more than it saves.
inline constexpr int64_t parallel_threshold = 1 << 14;

// Calls fn(T{}) with T the C++ type of a numeric dtype (floats and integers, not float16 or
// bool); returns false for any other dtype. One template instead of a switch per kernel.
template <typename Fn>
bool visit_numeric(ir::DType dtype, Fn&& fn) {
  switch (dtype) {
    case ir::DType::float32: fn(float{}); return true;
    case ir::DType::float64: fn(double{}); return true;
    case ir::DType::int8: fn(int8_t{}); return true;
    case ir::DType::int16: fn(int16_t{}); return true;
    case ir::DType::int32: fn(int32_t{}); return true;
    case ir::DType::int64: fn(int64_t{}); return true;
    case ir::DType::uint8: fn(uint8_t{}); return true;
    case ir::DType::uint16: fn(uint16_t{}); return true;
    case ir::DType::uint32: fn(uint32_t{}); return true;
    case ir::DType::uint64: fn(uint64_t{}); return true;
    default: return false;
  }
}

// A floating-point value converted to integer type T, clamped to T's range (NaN -> 0): the
// plain cast is undefined behaviour out of range, and ONNX leaves those values unspecified.
template <typename T>
T clamp_to(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (!(v == v)) return T{0};
    if (v <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  }
}

// memcpy split across threads: copies are memory-bound, one core does not saturate DRAM.
inline void copy_bytes(void* dst, const void* src, int64_t size_bytes) {
  constexpr int64_t chunk_bytes = int64_t{1} << 20;
  const int64_t chunks = (size_bytes + chunk_bytes - 1) / chunk_bytes;
#pragma omp parallel for if (size_bytes > 4 * chunk_bytes)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * chunk_bytes;
    const int64_t n = size_bytes - begin < chunk_bytes ? size_bytes - begin : chunk_bytes;
    std::memcpy(static_cast<char*>(dst) + begin, static_cast<const char*>(src) + begin, static_cast<size_t>(n));
  }
}

template <typename T>
void run_strided_copy_typed(const StridedCopy& plan, const T* in, T* out) {
  const int64_t inner = plan.dims.back();
  const int64_t inner_stride = plan.in_strides.back();
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < plan.dims.size(); ++d) rows *= plan.dims[d];
#pragma omp parallel for if (rows * inner > parallel_threshold && rows > 1)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t offset = plan.in_offset;
    int64_t rest = row;
    for (size_t d = plan.dims.size() - 1; d-- > 0;) {
      offset += (rest % plan.dims[d]) * plan.in_strides[d];
      rest /= plan.dims[d];
    }
    const T* src = in + offset;
    T* dst = out + row * inner;
    if (inner_stride == 1) {
      std::memcpy(dst, src, static_cast<size_t>(inner) * sizeof(T));
    } else {
      for (int64_t k = 0; k < inner; ++k) dst[k] = src[k * inner_stride];
    }
  }
}

// Runs a planned copy; elements are moved as opaque words of element_bytes.
inline void run_strided_copy(const StridedCopy& plan, const void* in, void* out) {
  switch (plan.element_bytes) {
    case 1: run_strided_copy_typed(plan, static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out)); break;
    case 2: run_strided_copy_typed(plan, static_cast<const uint16_t*>(in), static_cast<uint16_t*>(out)); break;
    case 4: run_strided_copy_typed(plan, static_cast<const uint32_t*>(in), static_cast<uint32_t*>(out)); break;
    case 8: run_strided_copy_typed(plan, static_cast<const uint64_t*>(in), static_cast<uint64_t*>(out)); break;
    default: break;  // prepare() refuses other sizes
  }
}

}  // namespace runtime::cpu
