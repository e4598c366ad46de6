#pragma once
// Small helpers every CPU kernel uses: attributes, errors, strides, broadcasting, threads.
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "ir/error.h"
#include "ir/graph.h"
#include "runtime/kernel.h"
#include "runtime/layout.h"
#include "runtime/tensor.h"

namespace runtime::cpu {

inline const ir::Attribute* find_attr(const ir::Node& node, const std::string& name) {
  auto it = node.attributes.find(name);
  return it == node.attributes.end() ? nullptr : &it->second;
}
inline int64_t attr_int(const ir::Node& node, const std::string& name, int64_t fallback) {
  const ir::Attribute* a = find_attr(node, name);
  return a != nullptr && a->kind == ir::Attribute::Kind::int_ ? a->i : fallback;
}
inline float attr_float(const ir::Node& node, const std::string& name, float fallback) {
  const ir::Attribute* a = find_attr(node, name);
  return a != nullptr && a->kind == ir::Attribute::Kind::float_ ? a->f : fallback;
}
inline std::string attr_string(const ir::Node& node, const std::string& name, const std::string& fallback) {
  const ir::Attribute* a = find_attr(node, name);
  return a != nullptr && a->kind == ir::Attribute::Kind::string ? a->s : fallback;
}
inline std::vector<int64_t> attr_ints(const ir::Node& node, const std::string& name) {
  const ir::Attribute* a = find_attr(node, name);
  if (a == nullptr) return {};
  return a->kind == ir::Attribute::Kind::int_ ? std::vector<int64_t>{a->i} : a->ints;
}

// Throws ir::Error(unsupported) naming the node: an attribute value or dtype not handled.
[[noreturn]] inline void unsupported(const ir::Node& node, const std::string& why) {
  throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "' (" + node.op_type + "): " + why);
}

// Resolved shape/dtype of a node's input or output (from the graph, at prepare time).
inline const ir::Tensor& input_info(const ir::Graph& graph, const ir::Node& node, size_t i) { return graph.tensor(node.inputs.at(i)); }
inline const ir::Tensor& output_info(const ir::Graph& graph, const ir::Node& node, size_t i) { return graph.tensor(node.outputs.at(i)); }

// Row-major strides (in elements).
inline std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

// Strides of `in` (held in `layout`) as seen from an output of shape `out` under numpy
// broadcasting: 0 where `in` is broadcast (missing leading dims or size 1), the real stride
// elsewhere.
inline std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in, const std::vector<int64_t>& out,
                                              Layout layout = Layout::plain) {
  std::vector<int64_t> result(out.size(), 0);
  const auto real = layout_strides(in, layout);
  const size_t offset = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) result[d + offset] = in[d] == 1 ? 0 : real[d];
  return result;
}

inline int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// The logical dims in the order they lie in memory under `layout`, outermost first: a
// channels-last tensor is N, spatial..., C.
inline std::vector<size_t> memory_order(size_t rank, Layout layout) {
  std::vector<size_t> order;
  for (size_t d = 0; d < rank; ++d) order.push_back(d);
  if (layout == Layout::channels_last && rank >= 3) {
    order.erase(order.begin() + 1);
    order.push_back(1);
  }
  return order;
}

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

// A gather of a dense output from an input read with arbitrary element strides (0 for
// broadcast, negative for reversed): Transpose, Slice, Expand and Tile are all this.
// Built at prepare time with merged dims so run() is a short loop.
struct StridedCopy {
  std::vector<int64_t> dims;        // output dims, size-1 dims dropped, contiguous runs merged
  std::vector<int64_t> in_strides;  // input element stride per dim
  int64_t in_offset = 0;            // input element the output's first element reads
  int64_t element_bytes = 0;
};

// Plans the copy of an output of `out_shape` where output index i reads input element
// in_offset + sum(i[d] * in_strides[d]).
inline StridedCopy plan_strided_copy(const std::vector<int64_t>& out_shape, const std::vector<int64_t>& in_strides,
                                     int64_t in_offset, int64_t element_bytes) {
  StridedCopy plan;
  plan.in_offset = in_offset;
  plan.element_bytes = element_bytes;
  for (size_t d = 0; d < out_shape.size(); ++d) {
    if (out_shape[d] == 1) continue;
    if (out_shape[d] == 0) {  // empty output: nothing to copy
      plan.dims = {0};
      plan.in_strides = {0};
      return plan;
    }
    if (!plan.dims.empty() && plan.in_strides.back() == in_strides[d] * out_shape[d]) {
      plan.dims.back() *= out_shape[d];
      plan.in_strides.back() = in_strides[d];
    } else {
      plan.dims.push_back(out_shape[d]);
      plan.in_strides.push_back(in_strides[d]);
    }
  }
  if (plan.dims.empty()) {  // a single element
    plan.dims = {1};
    plan.in_strides = {1};
  }
  return plan;
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
