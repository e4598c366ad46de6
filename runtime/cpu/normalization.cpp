// BatchNormalization (inference on oneDNN; training mode as plain loops), LayerNormalization
// on oneDNN over an [outer, inner] view, InstanceNormalization as plain loops over planes.
#include <cmath>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/dnnl_step.h"

namespace runtime::cpu {

namespace {

using dnnl::memory;

// Mean and biased variance of `count` values spaced `stride` apart, in double.
struct Moments {
  double mean = 0.0, variance = 0.0;
};
Moments moments(const float* x, int64_t count, int64_t stride = 1) {
  Moments m;
  if (count == 0) return m;
  for (int64_t i = 0; i < count; ++i) m.mean += x[i * stride];
  m.mean /= static_cast<double>(count);
  for (int64_t i = 0; i < count; ++i) {
    const double d = x[i * stride] - m.mean;
    m.variance += d * d;
  }
  m.variance /= static_cast<double>(count);
  return m;
}

class BatchNormKernel final : public Kernel {
 public:
  explicit BatchNormKernel(CpuContext& context) : context_(context) {}

  // A Relu that only reads an inference BatchNormalization runs in the same pass (oneDNN's
  // fuse_norm_relu), as in DenseNet's BN -> Relu -> Conv.
  bool fuse_next(const ir::Graph& /*graph*/, const ir::Node& host, const std::vector<const ir::Node*>& next) override {
    const bool training = attr_int(host, "training_mode", 0) != 0 || host.has_output(1) || host.has_output(2);
    if (training || fuse_relu_ || next.size() != 1 || next[0]->op != ir::OpKind::Relu) return false;
    fuse_relu_ = true;
    return true;
  }

  // Inference runs on oneDNN in either layout; training statistics are plain loops.
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& node) const override {
    const bool training = attr_int(node, "training_mode", 0) != 0 || node.has_output(1) || node.has_output(2);
    return training ? LayoutRule::plain_only : LayoutRule::uniform;
  }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    const auto& x = input_info(graph, node, 0).shape;
    batch_ = x[0];
    channels_ = x[1];
    spatial_ = element_count(std::vector<int64_t>(x.begin() + 2, x.end()));
    epsilon_ = attr_float(node, "epsilon", 1e-5f);
    momentum_ = attr_float(node, "momentum", 0.9f);
    training_ = attr_int(node, "training_mode", 0) != 0 || node.has_output(1) || node.has_output(2);
    if (training_ || batch_ * channels_ * spatial_ == 0) return;
    // [N, C, everything else, 1]: one view for every rank; 4-D because oneDNN's JIT batch norm
    // takes nchw and nhwc while a 3-D view falls to its slow reference implementation.
    const memory::desc data_md = layout_desc({batch_, channels_, spatial_, 1}, input_layout(0));
    const auto engine = context_.engine;
    with_dnnl_errors(node, [&] {
      using Bn = dnnl::batch_normalization_forward;
      auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                   dnnl::normalization_flags::use_shift;
      if (fuse_relu_) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
      const Bn::desc desc(dnnl::prop_kind::forward_inference, data_md, epsilon_, flags);
      const Bn::primitive_desc pd(desc, user_scratchpad_attr(), engine);
      step_.create(pd, engine);
      step_.bind(DNNL_ARG_SRC, data_md, engine);
      step_.bind(DNNL_ARG_DST, data_md, engine);
      for (int arg : {DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE})
        step_.bind(arg, plain_desc({channels_}), engine);
    });
  }

  int64_t owned_bytes() const override { return step_.owned_bytes(); }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (batch_ * channels_ * spatial_ == 0) return;
    if (training_) {
      run_training(inputs, outputs);
      return;
    }
    step_.set(DNNL_ARG_SRC, inputs[0]->data);
    step_.set(DNNL_ARG_SCALE, inputs[1]->data);
    step_.set(DNNL_ARG_SHIFT, inputs[2]->data);
    step_.set(DNNL_ARG_MEAN, inputs[3]->data);
    step_.set(DNNL_ARG_VARIANCE, inputs[4]->data);
    step_.set(DNNL_ARG_DST, outputs[0]->data);
    step_.execute(context_.stream);
  }

 private:
  // Normalises with the batch's own statistics; the optional outputs are the updated
  // running mean and variance (input * momentum + batch * (1 - momentum)).
  void run_training(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) const {
    const float* x = inputs[0]->as<const float>();
    const float* scale = inputs[1]->as<const float>();
    const float* bias = inputs[2]->as<const float>();
    const float* running_mean = inputs[3]->as<const float>();
    const float* running_var = inputs[4]->as<const float>();
    float* y = outputs[0]->as<float>();
    const int64_t channel_stride = spatial_, batch_stride = channels_ * spatial_;
    for (int64_t c = 0; c < channels_; ++c) {
      double sum = 0.0, squares = 0.0;
      for (int64_t n = 0; n < batch_; ++n) {
        const Moments m = moments(x + n * batch_stride + c * channel_stride, spatial_);
        sum += m.mean * static_cast<double>(spatial_);
        squares += (m.variance + m.mean * m.mean) * static_cast<double>(spatial_);
      }
      const double count = static_cast<double>(batch_ * spatial_);
      const double mean = sum / count, variance = std::max(0.0, squares / count - mean * mean);
      const double gain = scale[c] / std::sqrt(variance + epsilon_);
      for (int64_t n = 0; n < batch_; ++n) {
        const int64_t base = n * batch_stride + c * channel_stride;
        for (int64_t i = 0; i < spatial_; ++i) y[base + i] = static_cast<float>((x[base + i] - mean) * gain + bias[c]);
      }
      if (outputs.size() > 1 && outputs[1])
        outputs[1]->as<float>()[c] = static_cast<float>(running_mean[c] * momentum_ + mean * (1.0 - momentum_));
      if (outputs.size() > 2 && outputs[2])
        outputs[2]->as<float>()[c] = static_cast<float>(running_var[c] * momentum_ + variance * (1.0 - momentum_));
    }
  }

  CpuContext& context_;
  int64_t batch_ = 0, channels_ = 0, spatial_ = 0;
  float epsilon_ = 1e-5f, momentum_ = 0.9f;
  bool training_ = false;
  bool fuse_relu_ = false;
  DnnlStep step_;
};

class InstanceNormKernel final : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    const auto& x = input_info(graph, node, 0).shape;
    if (x.size() < 2) unsupported(node, "expects rank >= 2");
    channels_ = x[1];
    planes_ = x[0] * x[1];
    plane_size_ = element_count(std::vector<int64_t>(x.begin() + 2, x.end()));
    epsilon_ = attr_float(node, "epsilon", 1e-5f);
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const float* x = inputs[0]->as<const float>();
    const float* scale = inputs[1]->as<const float>();
    const float* bias = inputs[2]->as<const float>();
    float* y = outputs[0]->as<float>();
    const int64_t size = plane_size_;
#pragma omp parallel for if (planes_ * size > parallel_threshold)
    for (int64_t p = 0; p < planes_; ++p) {
      const int64_t c = p % channels_;
      const Moments m = moments(x + p * size, size);
      const double gain = scale[c] / std::sqrt(m.variance + epsilon_);
      for (int64_t i = 0; i < size; ++i) y[p * size + i] = static_cast<float>((x[p * size + i] - m.mean) * gain + bias[c]);
    }
  }

 private:
  int64_t channels_ = 0, planes_ = 0, plane_size_ = 0;
  float epsilon_ = 1e-5f;
};

class LayerNormKernel final : public Kernel {
 public:
  explicit LayerNormKernel(CpuContext& context) : context_(context) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    if (attr_int(node, "stash_type", 1) != 1) unsupported(node, "stash_type other than float32");
    const auto& x = input_info(graph, node, 0).shape;
    const auto rank = static_cast<int64_t>(x.size());
    int64_t axis = attr_int(node, "axis", -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) unsupported(node, "axis out of range");
    const std::vector<int64_t> normalized(x.begin() + axis, x.end());
    outer_ = element_count(std::vector<int64_t>(x.begin(), x.begin() + axis));
    inner_ = element_count(normalized);
    epsilon_ = attr_float(node, "epsilon", 1e-5f);
    has_bias_ = node.has_input(2);
    want_stats_ = node.has_output(1) || node.has_output(2);
    if (outer_ * inner_ == 0) return;

    // Scale and B broadcast to the normalised shape; when smaller, run() expands them.
    for (size_t i = 1; i < (has_bias_ ? 3u : 2u); ++i) {
      const auto& shape = input_info(graph, node, i).shape;
      if (element_count(shape) == inner_) continue;
      if (shape.size() > normalized.size()) unsupported(node, "Scale/B of higher rank than the normalised dimensions");
      Expansion& e = expansions_[i - 1];
      e.strides = broadcast_strides(shape, normalized);
      e.values.resize(static_cast<size_t>(inner_));
    }
    out_shape_ = normalized;
    if (want_stats_) {
      mean_scratch_.resize(static_cast<size_t>(outer_));
      variance_scratch_.resize(static_cast<size_t>(outer_));
    }

    const memory::desc data_md = plain_desc({outer_, inner_});
    const auto engine = context_.engine;
    with_dnnl_errors(node, [&] {
      using Ln = dnnl::layer_normalization_forward;
      auto flags = dnnl::normalization_flags::use_scale;
      if (has_bias_) flags = flags | dnnl::normalization_flags::use_shift;
      const auto prop = want_stats_ ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
      const Ln::desc desc(prop, data_md, epsilon_, flags);
      const Ln::primitive_desc pd(desc, user_scratchpad_attr(), engine);
      step_.create(pd, engine);
      step_.bind(DNNL_ARG_SRC, data_md, engine);
      step_.bind(DNNL_ARG_DST, data_md, engine);
      step_.bind(DNNL_ARG_SCALE, plain_desc({inner_}), engine);
      if (has_bias_) step_.bind(DNNL_ARG_SHIFT, plain_desc({inner_}), engine);
      if (want_stats_) {
        step_.bind(DNNL_ARG_MEAN, pd.mean_desc(), engine);
        step_.bind(DNNL_ARG_VARIANCE, pd.variance_desc(), engine);
      }
    });
  }

  int64_t owned_bytes() const override { return step_.owned_bytes() + vector_bytes(mean_scratch_) + vector_bytes(variance_scratch_); }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outer_ * inner_ == 0) return;
    step_.set(DNNL_ARG_SRC, inputs[0]->data);
    step_.set(DNNL_ARG_DST, outputs[0]->data);
    step_.set(DNNL_ARG_SCALE, expanded(0, inputs[1]->as<const float>()));
    if (has_bias_) step_.set(DNNL_ARG_SHIFT, expanded(1, inputs[2]->as<const float>()));
    Tensor* mean_out = outputs.size() > 1 ? outputs[1] : nullptr;
    Tensor* inv_std_out = outputs.size() > 2 ? outputs[2] : nullptr;
    if (want_stats_) {
      step_.set(DNNL_ARG_MEAN, mean_out ? mean_out->data : mean_scratch_.data());
      step_.set(DNNL_ARG_VARIANCE, variance_scratch_.data());
    }
    step_.execute(context_.stream);
    if (inv_std_out) {
      float* inv_std = inv_std_out->as<float>();
      for (int64_t i = 0; i < outer_; ++i) inv_std[i] = 1.0f / std::sqrt(variance_scratch_[static_cast<size_t>(i)] + epsilon_);
    }
  }

 private:
  struct Expansion {
    std::vector<int64_t> strides;  // empty: the input already has `inner_` elements
    std::vector<float> values;
  };

  // Input `which` (0: Scale, 1: B) as `inner_` contiguous values.
  const float* expanded(size_t which, const float* data) {
    Expansion& e = expansions_[which];
    if (e.strides.empty()) return data;
    const auto dense = strides_of(out_shape_);
    for (int64_t i = 0; i < inner_; ++i) {
      int64_t offset = 0;
      for (size_t d = 0; d < dense.size(); ++d) offset += (i / dense[d] % out_shape_[d]) * e.strides[d];
      e.values[static_cast<size_t>(i)] = data[offset];
    }
    return e.values.data();
  }

  CpuContext& context_;
  int64_t outer_ = 0, inner_ = 0;
  float epsilon_ = 1e-5f;
  bool has_bias_ = false, want_stats_ = false;
  std::vector<int64_t> out_shape_;  // the normalised dimensions
  Expansion expansions_[2];
  std::vector<float> mean_scratch_, variance_scratch_;
  DnnlStep step_;
};

}  // namespace

std::unique_ptr<Kernel> make_BatchNormalization(CpuContext& context) { return std::make_unique<BatchNormKernel>(context); }
std::unique_ptr<Kernel> make_InstanceNormalization(CpuContext&) { return std::make_unique<InstanceNormKernel>(); }
std::unique_ptr<Kernel> make_LayerNormalization(CpuContext& context) { return std::make_unique<LayerNormKernel>(context); }

}  // namespace runtime::cpu
