// Ops that move elements without arithmetic: Gather, Slice, Split, Concat, Transpose, Pad.
// Elements are copied as opaque words of their size, so one kernel serves every dtype.
// Slice/Pad read their index inputs (starts, pads...) at prepare time: shape resolution
// already required them to be constants.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/kernel_util.h"

namespace runtime::cpu {

namespace {

int64_t movable_element_bytes(const ir::Node& node, ir::DType dtype) {
  const auto bytes = static_cast<int64_t>(ir::dtype_size_bytes(dtype));
  if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) unsupported(node, "dtype " + std::string(ir::dtype_name(dtype)));
  return bytes;
}

// A constant integer input (starts, axes, pads...); refuses the node when it is computed at run time.
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

// Copies `rows` blocks of block_bytes between buffers whose rows lie src_stride/dst_stride apart:
// the shape of both Split and Concat.
void copy_blocks(char* dst, int64_t dst_stride, const char* src, int64_t src_stride, int64_t block_bytes, int64_t rows) {
  if (block_bytes == 0) return;
  if (rows == 1) {  // one big block (a split along axis 0): spread the memcpy itself
    copy_bytes(dst, src, block_bytes);
    return;
  }
#pragma omp parallel for if (rows * block_bytes > parallel_threshold * 4)
  for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * dst_stride, src + r * src_stride, static_cast<size_t>(block_bytes));
}

// ---- Gather ----------------------------------------------------------------------------

class GatherKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& data = input_info(graph, node, 0);
    const ir::Tensor& indices = input_info(graph, node, 1);
    const auto rank = static_cast<int64_t>(data.shape.size());
    int64_t axis = attr_int(node, "axis", 0);
    if (axis < -rank || axis >= rank) unsupported(node, "axis out of range");
    if (axis < 0) axis += rank;
    const auto a = static_cast<size_t>(axis);
    outer_ = product(data.shape, 0, a);
    axis_dim_ = data.shape[a];
    inner_ = product(data.shape, a + 1, data.shape.size());
    index_count_ = element_count(indices.shape);
    indices_int32_ = indices.dtype == ir::DType::int32;
    if (!indices_int32_ && indices.dtype != ir::DType::int64) unsupported(node, "indices must be int32 or int64");
    element_bytes_ = movable_element_bytes(node, data.dtype);
    node_name_ = node.name;
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const std::vector<int64_t> rows = source_rows(*inputs[1]);
    switch (element_bytes_) {
      case 1: gather<uint8_t>(rows, inputs[0]->data, outputs[0]->data); break;
      case 2: gather<uint16_t>(rows, inputs[0]->data, outputs[0]->data); break;
      case 4: gather<uint32_t>(rows, inputs[0]->data, outputs[0]->data); break;
      default: gather<uint64_t>(rows, inputs[0]->data, outputs[0]->data); break;
    }
  }

 private:
  // Indices made non-negative and checked here, outside the parallel loop (a throw inside an
  // OpenMP region would terminate the process).
  std::vector<int64_t> source_rows(const Tensor& indices) const {
    std::vector<int64_t> rows(static_cast<size_t>(index_count_));
    for (int64_t j = 0; j < index_count_; ++j) {
      int64_t index = indices_int32_ ? indices.as<const int32_t>()[j] : indices.as<const int64_t>()[j];
      if (index < -axis_dim_ || index >= axis_dim_)
        throw ir::Error(ir::ErrorKind::shape, "node '" + node_name_ + "' (Gather): index " + std::to_string(index) +
                                                  " is out of range for a dimension of " + std::to_string(axis_dim_));
      rows[static_cast<size_t>(j)] = index < 0 ? index + axis_dim_ : index;
    }
    return rows;
  }

  template <typename T>
  void gather(const std::vector<int64_t>& rows, const void* data, void* out) const {
    const T* in = static_cast<const T*>(data);
    T* dst = static_cast<T*>(out);
    const int64_t jobs = outer_ * index_count_;
#pragma omp parallel for if (jobs * inner_ > parallel_threshold)
    for (int64_t job = 0; job < jobs; ++job) {
      const int64_t o = job / index_count_, j = job % index_count_;
      const T* src = in + (o * axis_dim_ + rows[static_cast<size_t>(j)]) * inner_;
      T* to = dst + job * inner_;
      for (int64_t k = 0; k < inner_; ++k) to[k] = src[k];
    }
  }

  int64_t outer_ = 1, axis_dim_ = 1, inner_ = 1, index_count_ = 0, element_bytes_ = 0;
  bool indices_int32_ = false;
  std::string node_name_;
};

// ---- Slice and Transpose: strided copies -------------------------------------------------

class SliceKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
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
      offset += first_index(starts[i], steps[i], data.shape[a]) * in_strides[a];
      view_strides[a] = steps[i] * in_strides[a];
    }
    plan_ = plan_strided_copy(output_info(graph, node, 0).shape, view_strides, offset, movable_element_bytes(node, data.dtype));
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outputs[0]->element_count() == 0) return;
    run_strided_copy(plan_, inputs[0]->data, outputs[0]->data);
  }

 private:
  // The first index read along one axis, clamped as ONNX specifies (the output length was
  // already resolved by the shape function with the same rule).
  static int64_t first_index(int64_t start, int64_t step, int64_t dim) {
    if (start < 0) start = std::max(start, -dim) + dim;
    return step > 0 ? std::clamp(start, int64_t{0}, dim) : std::clamp(start, int64_t{0}, std::max<int64_t>(dim - 1, 0));
  }

  StridedCopy plan_;
};

class TransposeKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& data = input_info(graph, node, 0);
    const auto rank = static_cast<int64_t>(data.shape.size());
    std::vector<int64_t> perm = attr_ints(node, "perm");
    if (perm.empty())
      for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);  // default: reverse the dims
    const std::vector<int64_t> in_strides = strides_of(data.shape);
    std::vector<int64_t> view_strides;
    for (int64_t p : perm) view_strides.push_back(in_strides.at(static_cast<size_t>(p < 0 ? p + rank : p)));
    plan_ = plan_strided_copy(output_info(graph, node, 0).shape, view_strides, 0, movable_element_bytes(node, data.dtype));
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outputs[0]->element_count() == 0) return;
    run_strided_copy(plan_, inputs[0]->data, outputs[0]->data);
  }

 private:
  StridedCopy plan_;
};

// ---- Split and Concat: blocks along one axis -----------------------------------------------

// The layout shared by Split and Concat: the joined tensor is `outer` rows, each holding every
// part's `part_bytes` block side by side.
struct AxisParts {
  int64_t outer = 1;
  int64_t row_bytes = 0;
  std::vector<int64_t> part_bytes, part_offset_bytes;
};

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

class SplitKernel : public Kernel {
 public:
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& data = input_info(graph, node, 0);
    std::vector<std::vector<int64_t>> parts;
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (!node.has_output(k)) unsupported(node, "an omitted output");
      parts.push_back(output_info(graph, node, k).shape);  // sizes were resolved from split/num_outputs
    }
    plan_ = plan_axis_parts(node, data.shape, parts, movable_element_bytes(node, data.dtype), input_layout(0));
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const auto* src = static_cast<const char*>(inputs[0]->data);
    for (size_t k = 0; k < outputs.size(); ++k)
      copy_blocks(static_cast<char*>(outputs[k]->data), plan_.part_bytes[k], src + plan_.part_offset_bytes[k], plan_.row_bytes,
                  plan_.part_bytes[k], plan_.outer);
  }

 private:
  AxisParts plan_;
};

class ConcatKernel : public Kernel {
 public:
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    std::vector<std::vector<int64_t>> parts;
    for (size_t k = 0; k < node.inputs.size(); ++k) parts.push_back(input_info(graph, node, k).shape);
    const ir::Tensor& out = output_info(graph, node, 0);
    plan_ = plan_axis_parts(node, out.shape, parts, movable_element_bytes(node, out.dtype), output_layout(0));
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    auto* dst = static_cast<char*>(outputs[0]->data);
    if (plan_.outer == 1 || plan_.row_bytes >= 4096) {
      for (size_t k = 0; k < inputs.size(); ++k)
        copy_blocks(dst + plan_.part_offset_bytes[k], plan_.row_bytes, static_cast<const char*>(inputs[k]->data), plan_.part_bytes[k],
                    plan_.part_bytes[k], plan_.outer);
      return;
    }
    // Many short rows (a channel concat of channels-last tensors): each output row is written
    // whole, part after part, so writes stream instead of striding once per part.
    const int64_t rows = plan_.outer;
#pragma omp parallel for if (rows * plan_.row_bytes > parallel_threshold * 4)
    for (int64_t r = 0; r < rows; ++r)
      for (size_t k = 0; k < inputs.size(); ++k)
        std::memcpy(dst + r * plan_.row_bytes + plan_.part_offset_bytes[k], static_cast<const char*>(inputs[k]->data) + r * plan_.part_bytes[k],
                    static_cast<size_t>(plan_.part_bytes[k]));
  }

 private:
  AxisParts plan_;
};

// ---- Pad ---------------------------------------------------------------------------------

// For each output dim, the input index each position reads, or -1 for the constant fill.
// Tables make every mode (and negative pads, which crop) the same loop.
class PadKernel : public Kernel {
 public:
  // Any layout: the tables are built per logical dim, then put in memory order.
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& data = input_info(graph, node, 0);
    in_shape_ = data.shape;
    out_shape_ = output_info(graph, node, 0).shape;
    if (in_shape_.empty()) unsupported(node, "padding a scalar");
    const auto rank = static_cast<int64_t>(in_shape_.size());
    element_bytes_ = movable_element_bytes(node, data.dtype);
    const std::vector<int64_t> begins = begin_pads(graph, node, rank);
    const std::string mode = attr_string(node, "mode", "constant");
    if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") unsupported(node, "mode '" + mode + "'");
    source_index_.clear();
    for (size_t d = 0; d < in_shape_.size(); ++d) {
      const int64_t n = in_shape_[d];
      if (mode != "constant" && n == 0 && out_shape_[d] > 0) unsupported(node, "mode '" + mode + "' on an empty dimension");
      std::vector<int64_t> map(static_cast<size_t>(out_shape_[d]));
      for (int64_t o = 0; o < out_shape_[d]; ++o) map[static_cast<size_t>(o)] = source(o - begins[d], n, mode);
      source_index_.push_back(std::move(map));
    }
    if (output_layout(0) == Layout::channels_last) {
      std::vector<int64_t> in_shape, out_shape;
      std::vector<std::vector<int64_t>> index;
      for (size_t d : memory_order(in_shape_.size(), Layout::channels_last)) {
        in_shape.push_back(in_shape_[d]);
        out_shape.push_back(out_shape_[d]);
        index.push_back(std::move(source_index_[d]));
      }
      in_shape_ = std::move(in_shape);
      out_shape_ = std::move(out_shape);
      source_index_ = std::move(index);
    }
    in_strides_ = strides_of(in_shape_);  // of the input as it lies in memory
    if (graph.opset < 11) {
      if (data.dtype != ir::DType::float32) unsupported(node, "Pad before opset 11 on a non-float32 tensor");
      const float value = attr_float(node, "value", 0.0f);
      attr_fill_.assign(reinterpret_cast<const char*>(&value), sizeof(value));
    }
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outputs[0]->element_count() == 0) return;
    uint64_t fill = 0;  // the fill value's bytes (zero unless given)
    if (!attr_fill_.empty()) std::memcpy(&fill, attr_fill_.data(), attr_fill_.size());
    if (inputs.size() > 2 && inputs[2] != nullptr && inputs[2]->element_count() > 0)
      std::memcpy(&fill, inputs[2]->data, static_cast<size_t>(element_bytes_));
    switch (element_bytes_) {
      case 1: pad<uint8_t>(inputs[0]->data, outputs[0]->data, fill); break;
      case 2: pad<uint16_t>(inputs[0]->data, outputs[0]->data, fill); break;
      case 4: pad<uint32_t>(inputs[0]->data, outputs[0]->data, fill); break;
      default: pad<uint64_t>(inputs[0]->data, outputs[0]->data, fill); break;
    }
  }

 private:
  // Pads at the start of each dim; opset >= 11 takes pads (and opset 18 axes) as inputs.
  static std::vector<int64_t> begin_pads(const ir::Graph& graph, const ir::Node& node, int64_t rank) {
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
  static int64_t source(int64_t i, int64_t n, const std::string& mode) {
    if (i >= 0 && i < n) return i;
    if (mode == "constant") return -1;
    if (mode == "edge") return i < 0 ? 0 : n - 1;
    if (mode == "wrap") return ((i % n) + n) % n;
    if (n == 1) return 0;  // reflect: mirror without repeating the edge, period 2(n-1)
    const int64_t period = 2 * (n - 1);
    const int64_t m = ((i % period) + period) % period;
    return m < n ? m : period - m;
  }

  template <typename T>
  void pad(const void* data, void* out, uint64_t fill_bits) const {
    T fill;
    std::memcpy(&fill, &fill_bits, sizeof(T));
    const T* in = static_cast<const T*>(data);
    T* dst = static_cast<T*>(out);
    const size_t last = out_shape_.size() - 1;
    const int64_t inner = out_shape_[last];
    const int64_t rows = product(out_shape_, 0, last);
    const std::vector<int64_t>& inner_map = source_index_[last];
#pragma omp parallel for if (rows * inner > parallel_threshold)
    for (int64_t row = 0; row < rows; ++row) {
      T* to = dst + row * inner;
      int64_t offset = 0;
      bool filled = false;
      int64_t rest = row;
      for (size_t d = last; d-- > 0;) {
        const int64_t s = source_index_[d][static_cast<size_t>(rest % out_shape_[d])];
        rest /= out_shape_[d];
        if (s < 0) filled = true;
        offset += s * in_strides_[d];
      }
      if (filled) {
        for (int64_t k = 0; k < inner; ++k) to[k] = fill;
        continue;
      }
      const T* from = in + offset;
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t s = inner_map[static_cast<size_t>(k)];
        to[k] = s < 0 ? fill : from[s];
      }
    }
  }

  std::vector<int64_t> in_shape_, out_shape_, in_strides_;
  std::vector<std::vector<int64_t>> source_index_;
  int64_t element_bytes_ = 0;
  std::string attr_fill_;
};

}  // namespace

std::unique_ptr<Kernel> make_Gather(CpuContext&) { return std::make_unique<GatherKernel>(); }
std::unique_ptr<Kernel> make_Slice(CpuContext&) { return std::make_unique<SliceKernel>(); }
std::unique_ptr<Kernel> make_Split(CpuContext&) { return std::make_unique<SplitKernel>(); }
std::unique_ptr<Kernel> make_Concat(CpuContext&) { return std::make_unique<ConcatKernel>(); }
std::unique_ptr<Kernel> make_Transpose(CpuContext&) { return std::make_unique<TransposeKernel>(); }
std::unique_ptr<Kernel> make_Pad(CpuContext&) { return std::make_unique<PadKernel>(); }

}  // namespace runtime::cpu
