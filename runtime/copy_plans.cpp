#include "runtime/copy_plans.h"

#include <algorithm>
#include <numeric>

namespace runtime {

int64_t movable_element_bytes(const ir::Node& node, ir::DType dtype) {
  const auto bytes = static_cast<int64_t>(ir::dtype_size_bytes(dtype));
  if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) unsupported(node, "dtype " + std::string(ir::dtype_name(dtype)));
  return bytes;
}

std::vector<int64_t> constant_ints(const ir::Graph& graph, const ir::Node& node, size_t i, const std::string& role) {
  const ir::Tensor& t = input_info(graph, node, i);
  if (!t.value) unsupported(node, "input '" + role + "' must be a constant");
  return t.value->to_int64s();
}

int64_t product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

namespace {

// The first index Slice reads along one axis, clamped as ONNX specifies (the output length was
// already resolved by the shape function with the same rule).
int64_t slice_first_index(int64_t start, int64_t step, int64_t dim) {
  if (start < 0) start = std::max(start, -dim) + dim;
  return step > 0 ? std::clamp(start, int64_t{0}, dim) : std::clamp(start, int64_t{0}, std::max<int64_t>(dim - 1, 0));
}

// Shapes are logical; all of them are held in `layout`, so the blocks follow the dims in
// memory order (a channel concat of channels-last tensors joins the innermost dim).
AxisParts plan_axis_parts(const ir::Node& node, const std::vector<int64_t>& joined, const std::vector<std::vector<int64_t>>& parts,
                          int64_t element_bytes, Layout layout) {
  const auto rank = static_cast<int64_t>(joined.size());
  int64_t axis = attr_int(node, "axis", 0);
  if (axis < -rank || axis >= rank) unsupported(node, "axis out of range");
  if (axis < 0) axis += rank;
  const auto order = memory_order(joined.size(), layout);
  const auto a = static_cast<size_t>(std::find(order.begin(), order.end(), static_cast<size_t>(axis)) - order.begin());
  auto in_memory_order = [&](const std::vector<int64_t>& shape) {
    std::vector<int64_t> dims;
    for (size_t d : order) dims.push_back(shape[d]);
    return dims;
  };
  const auto dims = in_memory_order(joined);
  AxisParts plan;
  plan.outer = product(dims, 0, a);
  const int64_t inner_bytes = product(dims, a + 1, dims.size()) * element_bytes;
  plan.row_bytes = dims[a] * inner_bytes;
  int64_t offset = 0;
  for (const auto& part : parts) {
    const int64_t bytes = in_memory_order(part)[a] * inner_bytes;
    plan.part_bytes.push_back(bytes);
    plan.part_offset_bytes.push_back(offset);
    offset += bytes;
  }
  return plan;
}

// Pads at the start of each dim; opset >= 11 takes pads (and opset 18 axes) as inputs.
std::vector<int64_t> begin_pads(const ir::Graph& graph, const ir::Node& node, int64_t rank) {
  const std::vector<int64_t> pads = node.has_input(1) ? constant_ints(graph, node, 1, "pads") : attr_ints(node, "pads");
  std::vector<int64_t> axes(static_cast<size_t>(rank));
  std::iota(axes.begin(), axes.end(), 0);
  if (node.has_input(3)) axes = constant_ints(graph, node, 3, "axes");
  if (pads.size() != 2 * axes.size()) unsupported(node, "pads does not match the axes");
  std::vector<int64_t> begins(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank) unsupported(node, "axis out of range");
    begins[static_cast<size_t>(axis)] = pads[i];
  }
  return begins;
}

// Where position i (relative to the input's start) reads from, for an input dim of n.
int64_t pad_source(int64_t i, int64_t n, const std::string& mode) {
  if (i >= 0 && i < n) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return i < 0 ? 0 : n - 1;
  if (mode == "wrap") return ((i % n) + n) % n;
  if (n == 1) return 0;  // reflect: mirror without repeating the edge, period 2(n-1)
  const int64_t period = 2 * (n - 1);
  const int64_t m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

}  // namespace

StridedCopy slice_copy(const ir::Graph& graph, const ir::Node& node) {
  const ir::Tensor& data = input_info(graph, node, 0);
  const auto rank = static_cast<int64_t>(data.shape.size());
  // Opset >= 10 takes starts/ends/axes/steps as inputs; older opsets as attributes.
  const bool from_inputs = node.has_input(1);
  const std::vector<int64_t> starts = from_inputs ? constant_ints(graph, node, 1, "starts") : attr_ints(node, "starts");
  std::vector<int64_t> axes(starts.size());
  std::iota(axes.begin(), axes.end(), 0);
  if (from_inputs && node.has_input(3)) axes = constant_ints(graph, node, 3, "axes");
  if (!from_inputs && find_attr(node, "axes") != nullptr) axes = attr_ints(node, "axes");
  std::vector<int64_t> steps(starts.size(), 1);
  if (from_inputs && node.has_input(4)) steps = constant_ints(graph, node, 4, "steps");
  if (axes.size() != starts.size() || steps.size() != starts.size()) unsupported(node, "starts, axes and steps differ in length");

  const std::vector<int64_t> in_strides = strides_of(data.shape);
  std::vector<int64_t> view_strides = in_strides;
  int64_t offset = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank) unsupported(node, "axis out of range");
    const auto a = static_cast<size_t>(axis);
    offset += slice_first_index(starts[i], steps[i], data.shape[a]) * in_strides[a];
    view_strides[a] = steps[i] * in_strides[a];
  }
  return plan_strided_copy(output_info(graph, node, 0).shape, view_strides, offset, movable_element_bytes(node, data.dtype));
}

StridedCopy transpose_copy(const ir::Graph& graph, const ir::Node& node) {
  const ir::Tensor& data = input_info(graph, node, 0);
  const auto rank = static_cast<int64_t>(data.shape.size());
  std::vector<int64_t> perm = attr_ints(node, "perm");
  if (perm.empty())
    for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);  // default: reverse the dims
  const std::vector<int64_t> in_strides = strides_of(data.shape);
  std::vector<int64_t> view_strides;
  for (int64_t p : perm) view_strides.push_back(in_strides.at(static_cast<size_t>(p < 0 ? p + rank : p)));
  return plan_strided_copy(output_info(graph, node, 0).shape, view_strides, 0, movable_element_bytes(node, data.dtype));
}

// Expand reads broadcast dims with stride 0; Tile views the output as
// [repeat0, dim0, repeat1, dim1, ...] and reads the repeats with stride 0.
StridedCopy repeat_copy(const ir::Graph& graph, const ir::Node& node) {
  const ir::Tensor& in = input_info(graph, node, 0);
  const std::vector<int64_t>& out_shape = output_info(graph, node, 0).shape;
  const int64_t element_bytes = movable_element_bytes(node, in.dtype);
  if (node.op == ir::OpKind::Expand) return plan_strided_copy(out_shape, broadcast_strides(in.shape, out_shape), 0, element_bytes);
  const std::vector<int64_t> in_strides = strides_of(in.shape);
  std::vector<int64_t> view_shape, view_strides;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    view_shape.push_back(in.shape[d] == 0 ? 0 : out_shape[d] / in.shape[d]);  // the repeat count
    view_strides.push_back(0);
    view_shape.push_back(in.shape[d]);
    view_strides.push_back(in_strides[d]);
  }
  return plan_strided_copy(view_shape, view_strides, 0, element_bytes);
}

AxisParts split_parts(const ir::Graph& graph, const ir::Node& node, Layout layout) {
  const ir::Tensor& data = input_info(graph, node, 0);
  std::vector<std::vector<int64_t>> parts;
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    if (!node.has_output(k)) unsupported(node, "an omitted output");
    parts.push_back(output_info(graph, node, k).shape);  // sizes were resolved from split/num_outputs
  }
  return plan_axis_parts(node, data.shape, parts, movable_element_bytes(node, data.dtype), layout);
}

AxisParts concat_parts(const ir::Graph& graph, const ir::Node& node, Layout layout) {
  std::vector<std::vector<int64_t>> parts;
  for (size_t k = 0; k < node.inputs.size(); ++k) parts.push_back(input_info(graph, node, k).shape);
  const ir::Tensor& out = output_info(graph, node, 0);
  return plan_axis_parts(node, out.shape, parts, movable_element_bytes(node, out.dtype), layout);
}

GatherPlan gather_plan(const ir::Graph& graph, const ir::Node& node) {
  const ir::Tensor& data = input_info(graph, node, 0);
  const ir::Tensor& indices = input_info(graph, node, 1);
  const auto rank = static_cast<int64_t>(data.shape.size());
  int64_t axis = attr_int(node, "axis", 0);
  if (axis < -rank || axis >= rank) unsupported(node, "axis out of range");
  if (axis < 0) axis += rank;
  const auto a = static_cast<size_t>(axis);
  GatherPlan plan;
  plan.outer = product(data.shape, 0, a);
  plan.axis_dim = data.shape[a];
  plan.inner = product(data.shape, a + 1, data.shape.size());
  plan.index_count = element_count(indices.shape);
  plan.indices_int32 = indices.dtype == ir::DType::int32;
  if (!plan.indices_int32 && indices.dtype != ir::DType::int64) unsupported(node, "indices must be int32 or int64");
  plan.element_bytes = movable_element_bytes(node, data.dtype);
  return plan;
}

PadPlan pad_plan(const ir::Graph& graph, const ir::Node& node, Layout layout) {
  const ir::Tensor& data = input_info(graph, node, 0);
  PadPlan plan;
  std::vector<int64_t> in_shape = data.shape, out_shape = output_info(graph, node, 0).shape;
  if (in_shape.empty()) unsupported(node, "padding a scalar");
  const auto rank = static_cast<int64_t>(in_shape.size());
  plan.element_bytes = movable_element_bytes(node, data.dtype);
  const std::vector<int64_t> begins = begin_pads(graph, node, rank);
  const std::string mode = attr_string(node, "mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") unsupported(node, "mode '" + mode + "'");
  // Tables are built per logical dim, then put in memory order.
  for (size_t d : memory_order(in_shape.size(), layout)) {
    const int64_t n = in_shape[d];
    if (mode != "constant" && n == 0 && out_shape[d] > 0) unsupported(node, "mode '" + mode + "' on an empty dimension");
    std::vector<int64_t> map(static_cast<size_t>(out_shape[d]));
    for (int64_t o = 0; o < out_shape[d]; ++o) map[static_cast<size_t>(o)] = pad_source(o - begins[d], n, mode);
    plan.source_index.push_back(std::move(map));
    plan.in_shape.push_back(in_shape[d]);
    plan.out_shape.push_back(out_shape[d]);
  }
  plan.in_strides = strides_of(plan.in_shape);  // of the input as it lies in memory
  if (graph.opset < 11) {
    if (data.dtype != ir::DType::float32) unsupported(node, "Pad before opset 11 on a non-float32 tensor");
    const float value = attr_float(node, "value", 0.0f);
    plan.attr_fill.assign(reinterpret_cast<const char*>(&value), sizeof(value));
  }
  return plan;
}

}  // namespace runtime
