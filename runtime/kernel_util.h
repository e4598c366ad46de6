#pragma once
// Helpers every kernel uses, whatever its device: attributes, errors, strides, broadcasting,
// and the plan of a strided copy (the index math is the device's; the plan is shared, so a
// GPU kernel reads exactly the elements its CPU twin reads).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/error.h"
#include "ir/graph.h"
#include "runtime/kernel.h"
#include "runtime/layout.h"
#include "runtime/tensor.h"

namespace runtime {

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

// A bound of Clip: an input (opset >= 11; omitted means unbounded) or an attribute (older
// opsets). Empty when it is computed at run time or not float32.
inline std::optional<float> clip_bound(const ir::Graph& graph, const ir::Node& node, size_t input, const char* attribute, float fallback) {
  if (graph.opset < 11) return attr_float(node, attribute, fallback);
  if (!node.has_input(input)) return fallback;
  const ir::Tensor& t = graph.tensor(node.inputs[input]);
  if (!t.value || t.dtype != ir::DType::float32 || t.value->element_count() != 1) return std::nullopt;
  return static_cast<float>(t.value->to_doubles()[0]);
}

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

}  // namespace runtime
