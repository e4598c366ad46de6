#pragma once
// Axis attributes resolved the same way for every device's kernels.
#include <string>
#include <vector>

#include "runtime/kernel_util.h"

namespace runtime {

// Which dims a Reduce* node reduces: its axes (input 1 from opset 18, else the attribute);
// none given means every dim, unless noop_with_empty_axes. Refuses run-time or out-of-range
// axes naming the node.
inline std::vector<bool> reduced_dims(const ir::Graph& graph, const ir::Node& node, size_t rank) {
  std::vector<int64_t> axes;
  if (node.has_input(1)) {
    const ir::Tensor& a = input_info(graph, node, 1);
    if (!a.value) unsupported(node, "axes must be a constant");
    axes = a.value->to_int64s();
  } else {
    axes = attr_ints(node, "axes");
  }
  const auto r = static_cast<int64_t>(rank);
  const bool noop = axes.empty() && attr_int(node, "noop_with_empty_axes", 0) != 0;
  std::vector<bool> reduce_dim(rank, axes.empty() && !noop);
  for (int64_t a : axes) {
    if (a < -r || a >= r) unsupported(node, "axis " + std::to_string(a) + " is out of range");
    reduce_dim[static_cast<size_t>(a < 0 ? a + r : a)] = true;
  }
  return reduce_dim;
}

// The axis of Softmax/LogSoftmax, non-negative: from opset 13 the one axis normalised (default
// -1); before, the input is coerced to 2-D at `axis` (default 1) and each row normalised.
inline int64_t softmax_axis(const ir::Graph& graph, const ir::Node& node, int64_t rank) {
  int64_t axis = attr_int(node, "axis", graph.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) unsupported(node, "axis out of range");
  return axis;
}

// An axis attribute made non-negative; refuses one out of range naming the node.
inline size_t checked_axis(const ir::Node& node, int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) unsupported(node, "axis " + std::to_string(axis) + " is out of range");
  return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

// The shape as [outer, n, inner] around `axis` (ArgMax, TopK).
inline void split_at_axis(const std::vector<int64_t>& shape, size_t axis, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  n = shape[axis];
}

}  // namespace runtime
