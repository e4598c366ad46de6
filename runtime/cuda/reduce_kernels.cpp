// Reductions, ArgMax, TopK, Softmax, normalisations and pooling on the GPU (host side), float32. Kernels are
// reduce.cu's and elementwise.cu's; windows come from runtime/window_geometry.h as on the CPU.
#include "runtime/axes.h"
#include "runtime/batch_norm_fold.h"
#include "runtime/cuda/activation.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_kernel.h"
#include "runtime/cuda/cuda_kernels.h"
#include "runtime/cuda/elementwise.cuh"
#include "runtime/cuda/pool_params.h"
#include "runtime/cuda/reduce.cuh"
#include "runtime/window_geometry.h"

namespace runtime::cuda {

namespace {

bool float32_in_out(const ir::Graph& graph, const ir::Node& node) {
  return input_info(graph, node, 0).dtype == ir::DType::float32 && output_info(graph, node, 0).dtype == ir::DType::float32;
}

// ---- ReduceMean/Sum/Max/Min and the global pools -------------------------------------------

ReduceOp reduce_op(ir::OpKind op) {
  switch (op) {
    case ir::OpKind::ReduceSum: return ReduceOp::sum;
    case ir::OpKind::ReduceMax:
    case ir::OpKind::GlobalMaxPool: return ReduceOp::max;
    case ir::OpKind::ReduceMin: return ReduceOp::min;
    default: return ReduceOp::mean;
  }
}

class ReduceKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }  // axes are read here
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const std::vector<int64_t>& x = input_info(graph, node, 0).shape;
    const bool global = node.op == ir::OpKind::GlobalAveragePool || node.op == ir::OpKind::GlobalMaxPool;
    std::vector<bool> reduce_dim(x.size(), false);
    if (global)
      for (size_t d = 2; d < x.size(); ++d) reduce_dim[d] = true;
    else
      reduce_dim = reduced_dims(graph, node, x.size());
    const std::vector<int64_t> strides = strides_of(x);
    std::vector<int64_t> kept_dims, kept_strides, reduced_dims, reduced_strides;
    reduced_count_ = 1;
    for (size_t d = 0; d < x.size(); ++d) {
      (reduce_dim[d] ? reduced_dims : kept_dims).push_back(x[d]);
      (reduce_dim[d] ? reduced_strides : kept_strides).push_back(strides[d]);
      if (reduce_dim[d]) reduced_count_ *= x[d];
    }
    kept_ = to_index(node, kept_dims, kept_strides);
    reduced_ = to_index(node, reduced_dims, reduced_strides);
    op_ = reduce_op(node.op);
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_reduce(op_, inputs[0]->as<const float>(), outputs[0]->as<float>(), kept_, outputs[0]->element_count(), reduced_, reduced_count_,
                  stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  ReduceOp op_ = ReduceOp::mean;
  StridedIndex kept_, reduced_;
  int64_t reduced_count_ = 1;
};

bool accepts_reduce(const ir::Graph& graph, const ir::Node& node) {
  return float32_in_out(graph, node) && (!node.has_input(1) || input_info(graph, node, 1).value != nullptr);
}

// ---- Softmax, LogSoftmax --------------------------------------------------------------------

class SoftmaxKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    std::vector<int64_t> x = input_info(graph, node, 0).shape;
    if (x.empty()) x = {1};  // a scalar is its own (one-element) row
    const auto rank = static_cast<int64_t>(x.size());
    // Opset 13 normalises along one axis; older opsets coerce to 2-D at `axis` (rows of the rest).
    const bool per_axis = graph.opset >= 13;
    const int64_t axis = softmax_axis(graph, node, rank);
    const auto a = static_cast<size_t>(axis);
    outer_ = element_count({x.begin(), x.begin() + axis});
    if (per_axis) {
      length_ = x[a];
      stride_ = element_count({x.begin() + axis + 1, x.end()});
    } else {
      length_ = element_count({x.begin() + axis, x.end()});
      stride_ = 1;
    }
    log_ = node.op == ir::OpKind::LogSoftmax;
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_softmax(inputs[0]->as<const float>(), outputs[0]->as<float>(), outer_, length_, stride_, log_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int64_t outer_ = 1, length_ = 1, stride_ = 1;
  bool log_ = false;
};

// ---- LayerNormalization ---------------------------------------------------------------------

class LayerNormKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    if (attr_int(node, "stash_type", 1) != 1) unsupported(node, "stash_type other than float32");
    if (node.has_output(1) || node.has_output(2)) unsupported(node, "the Mean and InvStdDev outputs");
    const auto& x = input_info(graph, node, 0).shape;
    const auto rank = static_cast<int64_t>(x.size());
    int64_t axis = attr_int(node, "axis", -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) unsupported(node, "axis out of range");
    rows_ = element_count({x.begin(), x.begin() + axis});
    cols_ = element_count({x.begin() + axis, x.end()});
    for (size_t i = 1; i < 3; ++i)
      if (node.has_input(i) && element_count(input_info(graph, node, i).shape) != cols_)
        unsupported(node, "Scale/B broadcast from a smaller shape");
    epsilon_ = attr_float(node, "epsilon", 1e-5f);
    has_bias_ = node.has_input(2);
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_layer_norm(inputs[0]->as<const float>(), inputs[1]->as<const float>(), has_bias_ ? inputs[2]->as<const float>() : nullptr,
                      outputs[0]->as<float>(), rows_, cols_, epsilon_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int64_t rows_ = 0, cols_ = 1;
  float epsilon_ = 1e-5f;
  bool has_bias_ = false;
};

bool accepts_layer_norm(const ir::Graph& graph, const ir::Node& node) {
  if (!float32_in_out(graph, node) || node.has_output(1) || node.has_output(2)) return false;
  const auto& x = input_info(graph, node, 0).shape;
  const auto rank = static_cast<int64_t>(x.size());
  int64_t axis = attr_int(node, "axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return false;
  const int64_t cols = element_count({x.begin() + axis, x.end()});
  for (size_t i = 1; i < 3; ++i)
    if (node.has_input(i) && element_count(input_info(graph, node, i).shape) != cols) return false;
  return true;
}

// ---- BatchNormalization (inference): a per-channel scale and shift, folded in prepare() -----

class BatchNormKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  bool fuse_next(const ir::Graph& graph, const ir::Node& /*host*/, const std::vector<const ir::Node*>& next) override {
    return absorb_activation(graph, next, act_);
  }

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    if (attr_int(node, "training_mode", 0) != 0 || node.has_output(1) || node.has_output(2)) unsupported(node, "training mode");
    const auto& x = input_info(graph, node, 0).shape;
    channels_ = x.size() > 1 ? x[1] : 1;
    inner_ = element_count(std::vector<int64_t>(x.begin() + std::min<size_t>(2, x.size()), x.end()));
    const auto affine = batch_norm_affine(graph, node);
    if (!affine || static_cast<int64_t>(affine->scale.size()) != channels_) unsupported(node, "parameters computed at run time or of another size");
    owned_ = {upload(affine->scale.data(), ir::DType::float32, {channels_}), upload(affine->shift.data(), ir::DType::float32, {channels_})};
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_channel_affine(inputs[0]->as<const float>(), outputs[0]->as<float>(), owned_[0].as<const float>(), owned_[1].as<const float>(),
                          channels_, inner_, outputs[0]->element_count(), act_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int64_t channels_ = 1, inner_ = 1;
  ActivationSpec act_;
};

bool accepts_batch_norm(const ir::Graph& graph, const ir::Node& node) {
  return float32_in_out(graph, node) && batch_norm_affine(graph, node).has_value();
}

// ---- MaxPool, AveragePool -------------------------------------------------------------------

class PoolKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    if (node.has_output(1)) unsupported(node, "MaxPool's Indices output");
    const auto& x = input_info(graph, node, 0).shape;
    const auto& y = output_info(graph, node, 0).shape;
    const size_t n = x.size() - 2;
    if (x.size() < 3 || n > 3) unsupported(node, "only 1-D, 2-D and 3-D pooling");
    params_ = pool_params(pool_geometry(node, x, y), x, y, node.op == ir::OpKind::MaxPool);
    planes_ = x[0] * x[1];
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_pool(params_, inputs[0]->as<const float>(), outputs[0]->as<float>(), planes_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  PoolParams params_;
  int64_t planes_ = 0;
};

bool accepts_pool(const ir::Graph& graph, const ir::Node& node) {
  const size_t rank = input_info(graph, node, 0).shape.size();
  return float32_in_out(graph, node) && !node.has_output(1) && rank >= 3 && rank <= 5;
}

// ---- InstanceNormalization, ArgMax, TopK -----------------------------------------------------

class InstanceNormKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const auto& x = input_info(graph, node, 0).shape;
    if (x.size() < 2) unsupported(node, "expects rank >= 2");
    channels_ = x[1];
    planes_ = x[0] * x[1];
    cols_ = element_count(std::vector<int64_t>(x.begin() + 2, x.end()));
    epsilon_ = attr_float(node, "epsilon", 1e-5f);
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_instance_norm(inputs[0]->as<const float>(), inputs[1]->as<const float>(), inputs[2]->as<const float>(), outputs[0]->as<float>(), planes_,
                         cols_, channels_, epsilon_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int64_t channels_ = 1, planes_ = 0, cols_ = 1;
  float epsilon_ = 1e-5f;
};

class ArgMaxKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const auto& x = input_info(graph, node, 0).shape;
    split_at_axis(x, checked_axis(node, attr_int(node, "axis", 0), x.size()), outer_, n_, inner_);
    if (n_ == 0 && outer_ * inner_ > 0) unsupported(node, "ArgMax over an empty axis has no answer");
    last_ = attr_int(node, "select_last_index", 0) != 0;
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_argmax(inputs[0]->as<const float>(), outputs[0]->as<int64_t>(), outer_, n_, inner_, last_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int64_t outer_ = 1, n_ = 1, inner_ = 1;
  bool last_ = false;
};

class TopKKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }  // K is read here
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& k = input_info(graph, node, 1);
    if (!k.value) unsupported(node, "K must be a constant");
    k_ = k.value->to_int64s().at(0);
    const auto& x = input_info(graph, node, 0).shape;
    split_at_axis(x, checked_axis(node, attr_int(node, "axis", -1), x.size()), outer_, n_, inner_);
    if (k_ < 0 || k_ > n_) unsupported(node, "K out of range");
    largest_ = attr_int(node, "largest", 1) != 0;  // sorted=0 leaves the order open: sorted is one answer
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    float* values = outputs.size() > 0 && outputs[0] ? outputs[0]->as<float>() : nullptr;
    int64_t* indices = outputs.size() > 1 && outputs[1] ? outputs[1]->as<int64_t>() : nullptr;
    launch_topk(inputs[0]->as<const float>(), values, indices, outer_, n_, inner_, k_, largest_, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int64_t outer_ = 1, n_ = 1, inner_ = 1, k_ = 1;
  bool largest_ = true;
};

bool accepts_float32_input(const ir::Graph& graph, const ir::Node& node) { return input_info(graph, node, 0).dtype == ir::DType::float32; }

}  // namespace

void register_reduce_kernels(CudaKernelRegistry& registry) {
  for (ir::OpKind op : {ir::OpKind::ReduceMean, ir::OpKind::ReduceSum, ir::OpKind::ReduceMax, ir::OpKind::ReduceMin,
                        ir::OpKind::GlobalAveragePool, ir::OpKind::GlobalMaxPool})
    registry.add(op, {&make_kernel<ReduceKernel>, &accepts_reduce});
  for (ir::OpKind op : {ir::OpKind::Softmax, ir::OpKind::LogSoftmax}) registry.add(op, {&make_kernel<SoftmaxKernel>, &float32_in_out});
  registry.add(ir::OpKind::LayerNormalization, {&make_kernel<LayerNormKernel>, &accepts_layer_norm});
  registry.add(ir::OpKind::BatchNormalization, {&make_kernel<BatchNormKernel>, &accepts_batch_norm});
  for (ir::OpKind op : {ir::OpKind::MaxPool, ir::OpKind::AveragePool}) registry.add(op, {&make_kernel<PoolKernel>, &accepts_pool});
  registry.add(ir::OpKind::InstanceNormalization, {&make_kernel<InstanceNormKernel>, &float32_in_out});
  registry.add(ir::OpKind::ArgMax, {&make_kernel<ArgMaxKernel>, &accepts_float32_input});
  registry.add(ir::OpKind::TopK, {&make_kernel<TopKKernel>, [](const ir::Graph& graph, const ir::Node& node) {
                                    return accepts_float32_input(graph, node) && input_info(graph, node, 1).value != nullptr;
                                  }});
}

}  // namespace runtime::cuda
