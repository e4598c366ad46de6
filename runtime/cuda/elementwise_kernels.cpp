// Elementwise ops on the GPU (host side): activations and math on float32, Not, Cast, the
// binary ops with numpy broadcasting (planned by runtime/broadcast_plan.h, as on the CPU),
// and Where. Kernels are elementwise.cu's.
#include "runtime/broadcast_plan.h"
#include "runtime/copy_plans.h"
#include "runtime/cuda/activation.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_kernel.h"
#include "runtime/cuda/cuda_kernels.h"
#include "runtime/cuda/elementwise.cuh"

namespace runtime::cuda {

namespace {

bool all_float32(const ir::Graph& graph, const ir::Node& node) {
  for (ir::TensorId t : node.inputs)
    if (t != ir::no_tensor && graph.tensor(t).dtype != ir::DType::float32) return false;
  for (ir::TensorId t : node.outputs)
    if (t != ir::no_tensor && graph.tensor(t).dtype != ir::DType::float32) return false;
  return true;
}

class ActivationKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }  // Clip's bounds are folded
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const auto act = activation_of(graph, node);
    if (!act) unsupported(node, "bounds computed at run time, or min > max");
    act_ = *act;
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_activation(act_, inputs[0]->as<const float>(), outputs[0]->as<float>(), outputs[0]->element_count(), stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  ActivationSpec act_;
};

bool accepts_activation(const ir::Graph& graph, const ir::Node& node) {
  return all_float32(graph, node) && activation_of(graph, node).has_value();
}

class NotKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph&, const ir::Node&) override {}
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_logical_not(inputs[0]->as<const uint8_t>(), outputs[0]->as<uint8_t>(), outputs[0]->element_count(), stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }
};

class CastKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const auto from = element_type(input_info(graph, node, 0).dtype);
    const auto to = element_type(output_info(graph, node, 0).dtype);
    if (!from || !to || !cast_supported(*from, *to)) unsupported(node, "no CUDA cast between these dtypes");
    from_ = *from;
    to_ = *to;
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_cast(from_, to_, inputs[0]->data, outputs[0]->data, outputs[0]->element_count(), stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  ElementType from_ = ElementType::f32, to_ = ElementType::f32;
};

bool accepts_cast(const ir::Graph& graph, const ir::Node& node) {
  const auto from = element_type(input_info(graph, node, 0).dtype);
  const auto to = element_type(output_info(graph, node, 0).dtype);
  return from && to && cast_supported(*from, *to);
}

// The broadcast plan's per-input strides as the kernels' indices.
std::vector<StridedIndex> operand_indices(const ir::Node& node, const Broadcast& plan) {
  std::vector<StridedIndex> indices;
  for (const auto& strides : plan.strides) indices.push_back(to_index(node, plan.dims, strides));
  return indices;
}

std::vector<std::vector<int64_t>> input_shapes(const ir::Graph& graph, const ir::Node& node) {
  std::vector<std::vector<int64_t>> shapes;
  for (size_t i = 0; i < node.inputs.size(); ++i) shapes.push_back(input_info(graph, node, i).shape);
  return shapes;
}

BinaryOp binary_op(ir::OpKind op) {
  switch (op) {
    case ir::OpKind::Add: return BinaryOp::add;
    case ir::OpKind::Sub: return BinaryOp::sub;
    case ir::OpKind::Mul: return BinaryOp::mul;
    case ir::OpKind::Div: return BinaryOp::div;
    case ir::OpKind::Pow: return BinaryOp::pow;
    case ir::OpKind::Equal: return BinaryOp::equal;
    case ir::OpKind::Less: return BinaryOp::less;
    case ir::OpKind::Greater: return BinaryOp::greater;
    default: return BinaryOp::logical_and;
  }
}

bool accepts_binary(const ir::Graph& graph, const ir::Node& node) {
  const ir::DType a = input_info(graph, node, 0).dtype, b = input_info(graph, node, 1).dtype;
  if (a != b) return false;
  const bool integer = a == ir::DType::int32 || a == ir::DType::int64;
  switch (binary_op(node.op)) {
    case BinaryOp::pow: return a == ir::DType::float32;
    case BinaryOp::logical_and: return a == ir::DType::boolean;
    case BinaryOp::equal: return a == ir::DType::float32 || integer || a == ir::DType::boolean;
    default: return a == ir::DType::float32 || integer;
  }
}

class BinaryKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  // A float32 result may take one activation after it (a residual Add then Relu).
  bool fuse_next(const ir::Graph& graph, const ir::Node& host, const std::vector<const ir::Node*>& next) override {
    return output_info(graph, host, 0).dtype == ir::DType::float32 && absorb_activation(graph, next, act_);
  }

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    if (!accepts_binary(graph, node)) unsupported(node, "dtypes the CUDA kernel does not handle");
    op_ = binary_op(node.op);
    type_ = *element_type(input_info(graph, node, 0).dtype);
    const Broadcast plan = plan_broadcast(input_shapes(graph, node), {Layout::plain, Layout::plain}, output_info(graph, node, 0).shape,
                                          Layout::plain);
    const auto indices = operand_indices(node, plan);
    a_ = indices[0];
    b_ = indices[1];
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_binary(op_, type_, inputs[0]->data, a_, inputs[1]->data, b_, outputs[0]->data, outputs[0]->element_count(), act_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  BinaryOp op_ = BinaryOp::add;
  ElementType type_ = ElementType::f32;
  StridedIndex a_, b_;
  ActivationSpec act_;
};

class WhereKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    element_bytes_ = static_cast<int>(movable_element_bytes(node, output_info(graph, node, 0).dtype));
    const Broadcast plan = plan_broadcast(input_shapes(graph, node), {Layout::plain, Layout::plain, Layout::plain},
                                          output_info(graph, node, 0).shape, Layout::plain);
    indices_ = operand_indices(node, plan);
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_where(element_bytes_, inputs[0]->as<const uint8_t>(), indices_[0], inputs[1]->data, indices_[1], inputs[2]->data, indices_[2],
                 outputs[0]->data, outputs[0]->element_count(), stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int element_bytes_ = 4;
  std::vector<StridedIndex> indices_;
};

bool accepts_where(const ir::Graph& graph, const ir::Node& node) {
  const size_t bytes = ir::dtype_size_bytes(output_info(graph, node, 0).dtype);
  return input_info(graph, node, 0).dtype == ir::DType::boolean && (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8);
}

}  // namespace

void register_elementwise_kernels(CudaKernelRegistry& registry) {
  for (ir::OpKind op : {ir::OpKind::Relu, ir::OpKind::LeakyRelu, ir::OpKind::Elu, ir::OpKind::Sigmoid, ir::OpKind::Tanh, ir::OpKind::Clip,
                        ir::OpKind::HardSigmoid, ir::OpKind::HardSwish, ir::OpKind::Softplus, ir::OpKind::Gelu, ir::OpKind::Exp,
                        ir::OpKind::Log, ir::OpKind::Sqrt, ir::OpKind::Abs, ir::OpKind::Neg, ir::OpKind::Reciprocal, ir::OpKind::Erf})
    registry.add(op, {&make_kernel<ActivationKernel>, &accepts_activation});
  registry.add(ir::OpKind::Not, {&make_kernel<NotKernel>, [](const ir::Graph& graph, const ir::Node& node) {
                                   return input_info(graph, node, 0).dtype == ir::DType::boolean;
                                 }});
  registry.add(ir::OpKind::Cast, {&make_kernel<CastKernel>, &accepts_cast});
  for (ir::OpKind op : {ir::OpKind::Add, ir::OpKind::Sub, ir::OpKind::Mul, ir::OpKind::Div, ir::OpKind::Pow, ir::OpKind::Equal,
                        ir::OpKind::Less, ir::OpKind::Greater, ir::OpKind::And})
    registry.add(op, {&make_kernel<BinaryKernel>, &accepts_binary});
  registry.add(ir::OpKind::Where, {&make_kernel<WhereKernel>, &accepts_where});
}

}  // namespace runtime::cuda
