// Ops that make tensors from shapes or attributes (Constant, ConstantOfShape, Shape, Size,
// Range), broadcast or repeat them (Expand, Tile), or only relabel their dims (Reshape,
// Flatten, Squeeze, Unsqueeze). Shapes are resolved before prepare(), so every kernel here
// works from the output shape it was given and never re-reads a shape input at run time.
#include <algorithm>
#include <cstring>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/copy_plans.h"

namespace runtime::cpu {

namespace {

// Writes fixed bytes computed at prepare time (Constant, Shape, Size).
class FixedBytesKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    if (node.op == ir::OpKind::Constant) {
      bytes_ = constant_bytes(node);
    } else if (node.op == ir::OpKind::Size) {
      const int64_t count = element_count(input_info(graph, node, 0).shape);
      bytes_.assign(reinterpret_cast<const char*>(&count), sizeof(count));
    } else {
      const std::vector<int64_t> dims = shape_slice(node, input_info(graph, node, 0).shape);
      bytes_.assign(reinterpret_cast<const char*>(dims.data()), dims.size() * sizeof(int64_t));
    }
    if (static_cast<int64_t>(bytes_.size()) != output_info(graph, node, 0).size_bytes()) unsupported(node, "value does not match its resolved shape");
  }
  void run(const std::vector<const Tensor*>&, const std::vector<Tensor*>& outputs) override {
    if (!bytes_.empty()) std::memcpy(outputs[0]->data, bytes_.data(), bytes_.size());
  }

 private:
  static std::string constant_bytes(const ir::Node& node) {
    if (const ir::Attribute* value = find_attr(node, "value"); value != nullptr && value->tensor) return value->tensor->bytes;
    if (const ir::Attribute* f = find_attr(node, "value_float")) return std::string(reinterpret_cast<const char*>(&f->f), sizeof(float));
    if (const ir::Attribute* i = find_attr(node, "value_int")) return std::string(reinterpret_cast<const char*>(&i->i), sizeof(int64_t));
    if (const ir::Attribute* fs = find_attr(node, "value_floats"))
      return std::string(reinterpret_cast<const char*>(fs->floats.data()), fs->floats.size() * sizeof(float));
    if (const ir::Attribute* is = find_attr(node, "value_ints"))
      return std::string(reinterpret_cast<const char*>(is->ints.data()), is->ints.size() * sizeof(int64_t));
    unsupported(node, "no value attribute partplan understands");
  }
  // Shape's start/end: negative counts from the back, both clamped to [0, rank] (opset 15).
  static std::vector<int64_t> shape_slice(const ir::Node& node, const std::vector<int64_t>& shape) {
    const auto rank = static_cast<int64_t>(shape.size());
    int64_t start = attr_int(node, "start", 0), end = attr_int(node, "end", rank);
    start = std::clamp(start < 0 ? start + rank : start, int64_t{0}, rank);
    end = std::clamp(end < 0 ? end + rank : end, int64_t{0}, rank);
    if (end <= start) return {};
    return {shape.begin() + start, shape.begin() + end};
  }

  std::string bytes_;
};

class ConstantOfShapeKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Attribute* value = find_attr(node, "value");
    if (value != nullptr && value->tensor) {
      if (value->tensor->element_count() != 1) unsupported(node, "value must hold one element");
      fill_ = value->tensor->bytes;
    } else {
      fill_.assign(sizeof(float), '\0');  // default: float32 zero
    }
    movable_element_bytes(node, output_info(graph, node, 0).dtype);
    if (fill_.size() != ir::dtype_size_bytes(output_info(graph, node, 0).dtype)) unsupported(node, "value does not match the output dtype");
  }
  void run(const std::vector<const Tensor*>&, const std::vector<Tensor*>& outputs) override {
    auto* out = static_cast<char*>(outputs[0]->data);
    const int64_t n = outputs[0]->element_count();
    const size_t size = fill_.size();
#pragma omp parallel for if (n > parallel_threshold)
    for (int64_t i = 0; i < n; ++i) std::memcpy(out + i * static_cast<int64_t>(size), fill_.data(), size);
  }

 private:
  std::string fill_;
};

// Range: out[k] = start + k * delta; the count is already the output's length.
class RangeKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    dtype_ = output_info(graph, node, 0).dtype;
    const bool ok = dtype_ == ir::DType::float32 || dtype_ == ir::DType::float64 || dtype_ == ir::DType::int16 ||
                    dtype_ == ir::DType::int32 || dtype_ == ir::DType::int64;
    if (!ok) unsupported(node, "dtype " + std::string(ir::dtype_name(dtype_)));
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    visit_numeric(dtype_, [&](auto tag) {
      using T = decltype(tag);
      const T start = *inputs[0]->as<const T>(), delta = *inputs[2]->as<const T>();
      T* out = outputs[0]->as<T>();
      const int64_t n = outputs[0]->element_count();
      for (int64_t k = 0; k < n; ++k) out[k] = static_cast<T>(start + static_cast<T>(k) * delta);
    });
  }

 private:
  ir::DType dtype_ = ir::DType::undefined;
};

// Expand and Tile are strided copies: Expand reads broadcast dims with stride 0; Tile views
// the output as [repeat0, dim0, repeat1, dim1, ...] and reads the repeats with stride 0.
class RepeatKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override { plan_ = repeat_copy(graph, node); }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outputs[0]->element_count() == 0) return;
    run_strided_copy(plan_, inputs[0]->data, outputs[0]->data);
  }

 private:
  StridedCopy plan_;
};

// Reshape, Flatten, Squeeze, Unsqueeze: same bytes, new dims. A copy for now; letting the
// output alias the input is a later optimisation (it needs the executor to share buffers).
class RelabelKernel : public Kernel {
 public:
  void prepare(const ir::Graph&, const ir::Node&) override {}
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    copy_bytes(outputs[0]->data, inputs[0]->data, inputs[0]->size_bytes());
  }
};

}  // namespace

std::unique_ptr<Kernel> make_Constant(CpuContext&) { return std::make_unique<FixedBytesKernel>(); }
std::unique_ptr<Kernel> make_Shape(CpuContext&) { return std::make_unique<FixedBytesKernel>(); }
std::unique_ptr<Kernel> make_Size(CpuContext&) { return std::make_unique<FixedBytesKernel>(); }
std::unique_ptr<Kernel> make_ConstantOfShape(CpuContext&) { return std::make_unique<ConstantOfShapeKernel>(); }
std::unique_ptr<Kernel> make_Range(CpuContext&) { return std::make_unique<RangeKernel>(); }
std::unique_ptr<Kernel> make_Expand(CpuContext&) { return std::make_unique<RepeatKernel>(); }
std::unique_ptr<Kernel> make_Tile(CpuContext&) { return std::make_unique<RepeatKernel>(); }
std::unique_ptr<Kernel> make_Reshape(CpuContext&) { return std::make_unique<RelabelKernel>(); }
std::unique_ptr<Kernel> make_Flatten(CpuContext&) { return std::make_unique<RelabelKernel>(); }
std::unique_ptr<Kernel> make_Squeeze(CpuContext&) { return std::make_unique<RelabelKernel>(); }
std::unique_ptr<Kernel> make_Unsqueeze(CpuContext&) { return std::make_unique<RelabelKernel>(); }

}  // namespace runtime::cpu
