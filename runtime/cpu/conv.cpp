// Conv and ConvTranspose on oneDNN's (de)convolution primitives over NC... tensors, plain or
// channels-last; constant weights are reordered once, in prepare(), into the layout the
// primitive picks.
#include <algorithm>
#include <cmath>
#include <optional>
#include <array>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/dnnl_step.h"
#include "runtime/cpu/eltwise_spec.h"
#include "runtime/batch_norm_fold.h"
#include "runtime/window_geometry.h"

namespace runtime::cpu {

namespace {

using dnnl::memory;

class ConvKernel final : public Kernel {
 public:
  ConvKernel(CpuContext& context, bool transpose) : context_(context), transpose_(transpose) {}

  // Forward convolutions with constant weights take, in this order: an inference
  // BatchNormalization with constant parameters (folded into the weights and bias), then an
  // activation (or Sigmoid + Mul, i.e. swish) oneDNN applies as an eltwise post-op in the
  // convolution's own pass.
  bool fuse_next(const ir::Graph& graph, const ir::Node& host, const std::vector<const ir::Node*>& next) override {
    if (transpose_ || post_op_ || !constant_data(graph, host, 1) || input_info(graph, host, 1).dtype != ir::DType::float32) return false;
    // Folding a BatchNormalization rewrites the bias: only a constant one.
    if (next.size() == 1 && next[0]->op == ir::OpKind::BatchNormalization && host.has_input(2) && !constant_data(graph, host, 2)) return false;
    if (next.size() == 2) {
      if (next[0]->op != ir::OpKind::Sigmoid || next[1]->op != ir::OpKind::Mul) return false;
      post_op_ = EltwiseSpec{dnnl::algorithm::eltwise_swish, 1.0f};  // x * sigmoid(1 * x)
      return true;
    }
    const ir::Node& node = *next.at(0);
    if (node.op == ir::OpKind::BatchNormalization) return !bn_scale_.size() && fold_batch_norm(graph, node);
    post_op_ = eltwise_spec(graph, node);
    return post_op_.has_value();
  }

  // A forward convolution with constant weights reads and writes either layout: oneDNN runs
  // it channels-last (or blocked) anyway, so a channels-last neighbour saves a conversion.
  LayoutRule layout_rule(const ir::Graph& graph, const ir::Node& node) const override {
    return !transpose_ && constant_data(graph, node, 1) != nullptr ? LayoutRule::any : LayoutRule::plain_only;
  }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    const auto& x = input_info(graph, node, 0).shape;
    const auto& w = input_info(graph, node, 1).shape;
    out_shape_ = output_info(graph, node, 0).shape;
    const size_t n = x.size() - 2;
    if (n < 1 || n > 3) unsupported(node, "only 1-D, 2-D and 3-D " + node.op_type + " is implemented");
    empty_ = element_count(out_shape_) == 0;
    if (empty_) return;
    if (element_count(x) == 0 || element_count(w) == 0) unsupported(node, "empty input or weights with a non-empty output");

    ConvGeometry geometry = conv_geometry(node, x, w, out_shape_, transpose_);
    const int64_t group = geometry.group;
    const std::vector<int64_t>& strides = geometry.strides;
    const std::vector<int64_t>& dilations = geometry.dilations;
    const std::vector<int64_t>& kernel = geometry.kernel;
    std::vector<int64_t>& pad_l = geometry.pad_l;
    std::vector<int64_t>& pad_r = geometry.pad_r;
    std::vector<int64_t> dilation_minus_1(n);
    for (size_t i = 0; i < n; ++i) dilation_minus_1[i] = dilations[i] - 1;

    // oneDNN's logical weight dims for the ONNX layout, with that layout's strides.
    const int64_t kernel_elements = element_count(kernel);
    const auto kernel_strides = strides_of(kernel);
    std::vector<int64_t> weight_dims, weight_strides;
    if (!transpose_) {
      if (w[0] % group != 0) unsupported(node, "output channels are not a multiple of group");
      weight_dims = group == 1 ? w : std::vector<int64_t>{group, w[0] / group, w[1]};
      if (group != 1) weight_dims.insert(weight_dims.end(), kernel.begin(), kernel.end());
      weight_strides = strides_of(weight_dims);
    } else {
      // ONNX W is [C, M/group, k...]; oneDNN wants [(group,) M/group, C/group, k...].
      if (w[0] % group != 0) unsupported(node, "input channels are not a multiple of group");
      const int64_t m_per_group = w[1], c_per_group = w[0] / group;
      if (group == 1) {
        weight_dims = {m_per_group, w[0]};
        weight_strides = {kernel_elements, m_per_group * kernel_elements};
      } else {
        weight_dims = {group, m_per_group, c_per_group};
        weight_strides = {c_per_group * m_per_group * kernel_elements, kernel_elements, m_per_group * kernel_elements};
      }
      weight_dims.insert(weight_dims.end(), kernel.begin(), kernel.end());
      weight_strides.insert(weight_strides.end(), kernel_strides.begin(), kernel_strides.end());
    }

    // A ConvTranspose pad oneDNN cannot take (negative: output_padding, odd SAME splits) runs
    // into a staging buffer that the output then windows into.
    std::vector<int64_t> dst_shape = out_shape_;
    if (transpose_ && (std::any_of(pad_l.begin(), pad_l.end(), [](int64_t p) { return p < 0; }) ||
                       std::any_of(pad_r.begin(), pad_r.end(), [](int64_t p) { return p < 0; }))) {
      for (size_t i = 0; i < n; ++i) {
        const int64_t window = (kernel[i] - 1) * dilations[i] + 1;
        const int64_t left = std::max<int64_t>(pad_l[i], 0), right = std::max<int64_t>(pad_r[i], 0);
        dst_shape[i + 2] = (x[i + 2] - 1) * strides[i] + window - left - right;
        if (dst_shape[i + 2] <= 0) unsupported(node, "padding larger than the transposed convolution's output");
        staging_offset_[i] = pad_l[i] - left;
        pad_l[i] = left;
        pad_r[i] = right;
      }
      staging_shape_ = dst_shape;
      staging_.resize(static_cast<size_t>(element_count(dst_shape)));
    }

    has_bias_ = node.has_input(2);
    const void* constant_weights = constant_data(graph, node, 1);
    constant_weights_ = constant_weights != nullptr;
    if (!bn_scale_.empty()) {
      // Fold the fused BatchNormalization: each output channel's weights scaled, bias shifted.
      const auto channels = static_cast<size_t>(w[0]);
      if (bn_scale_.size() != channels) unsupported(node, "fused BatchNormalization has the wrong channel count");
      const auto per_channel = static_cast<size_t>(element_count(w)) / channels;
      const auto* weights = static_cast<const float*>(constant_weights);
      folded_weights_.resize(channels * per_channel);
      folded_bias_.resize(channels);
      const float* bias = has_bias_ ? static_cast<const float*>(constant_data(graph, node, 2)) : nullptr;
      if (has_bias_ && bias == nullptr) unsupported(node, "a fused BatchNormalization needs a constant bias");
      for (size_t c = 0; c < channels; ++c) {
        for (size_t k = 0; k < per_channel; ++k) folded_weights_[c * per_channel + k] = weights[c * per_channel + k] * bn_scale_[c];
        folded_bias_[c] = (bias ? bias[c] * bn_scale_[c] : 0.0f) + bn_shift_[c];
      }
      constant_weights = folded_weights_.data();
      has_bias_ = true;
    }
    // The layouts the tensors are held in (the executor's plan); staging is always plain.
    const memory::desc held_src_md = layout_desc(x, input_layout(0));
    const memory::desc held_dst_md = layout_desc(dst_shape, staging_.empty() ? output_layout(0) : Layout::plain);
    const memory::desc bias_md = plain_desc({out_shape_[1]});
    // A forward convolution with constant weights lets oneDNN pick the activation layout
    // too: its channels-last or blocked JIT kernels beat GEMM on plain nchw by far more than
    // the reorders in and out cost, and the executor keeps activations channels-last between
    // convolutions where it can, so usually there is no reorder at all.
    const bool choose_layout = !transpose_ && constant_weights_;
    const auto any_layout = [](const std::vector<int64_t>& dims) { return memory::desc(to_dims(dims), memory::data_type::f32, memory::format_tag::any); };
    const memory::desc src_md = choose_layout ? any_layout(x) : held_src_md;
    const memory::desc dst_md = choose_layout ? any_layout(dst_shape) : held_dst_md;
    const memory::desc onnx_weights_md = strided_desc(weight_dims, weight_strides);
    const memory::desc weights_md =
        constant_weights_ ? memory::desc(to_dims(weight_dims), memory::data_type::f32, memory::format_tag::any) : onnx_weights_md;
    const auto engine = context_.engine;
    with_dnnl_errors(node, [&] {
      memory::desc chosen_weights_md;
      if (!transpose_) {
        using Conv = dnnl::convolution_forward;
        const auto prop = dnnl::prop_kind::forward_inference;
        const auto alg = dnnl::algorithm::convolution_direct;
        const Conv::desc desc = has_bias_ ? Conv::desc(prop, alg, src_md, weights_md, bias_md, dst_md, to_dims(strides),
                                                       to_dims(dilation_minus_1), to_dims(pad_l), to_dims(pad_r))
                                          : Conv::desc(prop, alg, src_md, weights_md, dst_md, to_dims(strides),
                                                       to_dims(dilation_minus_1), to_dims(pad_l), to_dims(pad_r));
        dnnl::primitive_attr attr = user_scratchpad_attr();
        if (post_op_) {
          dnnl::post_ops ops;
          ops.append_eltwise(1.0f, post_op_->algorithm, post_op_->alpha, post_op_->beta);
          attr.set_post_ops(ops);
        }
        const Conv::primitive_desc pd(desc, attr, engine);
        step_.create(pd, engine);
        chosen_weights_md = pd.weights_desc();
        plan_layouts(pd.src_desc(), held_src_md, pd.dst_desc(), held_dst_md);
      } else {
        using Deconv = dnnl::deconvolution_forward;
        const auto prop = dnnl::prop_kind::forward_inference;
        const auto alg = dnnl::algorithm::deconvolution_direct;
        const Deconv::desc desc = has_bias_ ? Deconv::desc(prop, alg, src_md, weights_md, bias_md, dst_md, to_dims(strides),
                                                           to_dims(dilation_minus_1), to_dims(pad_l), to_dims(pad_r))
                                            : Deconv::desc(prop, alg, src_md, weights_md, dst_md, to_dims(strides),
                                                           to_dims(dilation_minus_1), to_dims(pad_l), to_dims(pad_r));
        const Deconv::primitive_desc pd(desc, user_scratchpad_attr(), engine);
        step_.create(pd, engine);
        chosen_weights_md = pd.weights_desc();
      }
      step_.bind(DNNL_ARG_SRC, to_blocked_ ? blocked_src_md_ : held_src_md, engine);
      step_.bind(DNNL_ARG_DST, from_blocked_ ? blocked_dst_md_ : held_dst_md, engine);
      if (has_bias_) step_.bind(DNNL_ARG_BIAS, bias_md, engine);
      if (!folded_bias_.empty()) step_.set(DNNL_ARG_BIAS, folded_bias_.data());
      if (constant_weights_)
        step_.bind_owned(DNNL_ARG_WEIGHTS, reorder_constant(context_, onnx_weights_md, constant_weights, chosen_weights_md));
      else
        step_.bind(DNNL_ARG_WEIGHTS, weights_md, engine);
    });
    folded_weights_ = {};  // the reordered copy is what runs: the weights are held once
  }

  bool holds_copy_of_input(size_t input) const override {
    return !empty_ && ((input == 1 && constant_weights_) || (input == 2 && !folded_bias_.empty()));
  }
  int64_t owned_bytes() const override { return step_.owned_bytes() + vector_bytes(folded_bias_) + vector_bytes(staging_); }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (empty_) return;
    float* y = outputs[0]->as<float>();
    if (to_blocked_) {
      held_src_.set_data_handle(inputs[0]->data);
      blocked_src_.set_data_handle(context_.blocked_src.data());
      to_blocked_->execute(context_.stream, held_src_, blocked_src_);
      step_.set(DNNL_ARG_SRC, context_.blocked_src.data());
    } else {
      step_.set(DNNL_ARG_SRC, inputs[0]->data);
    }
    if (!constant_weights_) step_.set(DNNL_ARG_WEIGHTS, inputs[1]->data);
    if (has_bias_ && folded_bias_.empty()) step_.set(DNNL_ARG_BIAS, inputs[2]->data);
    step_.set(DNNL_ARG_DST, from_blocked_ ? context_.blocked_dst.data() : staging_.empty() ? y : staging_.data());
    step_.execute(context_.stream);
    if (from_blocked_) {
      blocked_dst_.set_data_handle(context_.blocked_dst.data());
      held_dst_.set_data_handle(y);
      from_blocked_->execute(context_.stream, blocked_dst_, held_dst_);
      context_.stream.wait();
    }
    if (!staging_.empty()) unstage(y, has_bias_ ? inputs[2]->as<const float>() : nullptr);
  }

 private:
  // y = (x - mean) / sqrt(var + eps) * gamma + beta as a per-channel scale and shift.
  bool fold_batch_norm(const ir::Graph& graph, const ir::Node& bn) {
    auto affine = batch_norm_affine(graph, bn);
    if (!affine) return false;
    bn_scale_ = std::move(affine->scale);
    bn_shift_ = std::move(affine->shift);
    return true;
  }

  // Reorders between the layout a tensor is held in (plain or channels-last) and the one the
  // primitive chose, where they differ; the primitive's copies live in the device's scratch (CpuContext), grown here to fit.
  void plan_layouts(const memory::desc& chosen_src, const memory::desc& held_src, const memory::desc& chosen_dst,
                    const memory::desc& held_dst) {
    const auto engine = context_.engine;
    auto grow = [](std::vector<float>& buffer, const memory::desc& md) {
      const size_t floats = (md.get_size() + sizeof(float) - 1) / sizeof(float);
      if (buffer.size() < floats) buffer.resize(floats);
    };
    if (chosen_src != held_src) {
      blocked_src_md_ = chosen_src;
      held_src_ = dnnl::memory(held_src, engine, DNNL_MEMORY_NONE);
      blocked_src_ = dnnl::memory(chosen_src, engine, DNNL_MEMORY_NONE);
      to_blocked_ = dnnl::reorder(held_src_, blocked_src_);
      grow(context_.blocked_src, chosen_src);
    }
    if (chosen_dst != held_dst) {
      blocked_dst_md_ = chosen_dst;
      held_dst_ = dnnl::memory(held_dst, engine, DNNL_MEMORY_NONE);
      blocked_dst_ = dnnl::memory(chosen_dst, engine, DNNL_MEMORY_NONE);
      from_blocked_ = dnnl::reorder(blocked_dst_, held_dst_);
      grow(context_.blocked_dst, chosen_dst);
    }
  }

  // Output position o reads staging position o + staging_offset_; positions outside the
  // staging got no contribution from any input, so they hold only the bias.
  void unstage(float* y, const float* bias) const {
    std::array<int64_t, 3> out{1, 1, 1}, staged{1, 1, 1}, offset{0, 0, 0};
    for (size_t i = 0; i + 2 < out_shape_.size(); ++i) {
      out[i] = out_shape_[i + 2];
      staged[i] = staging_shape_[i + 2];
      offset[i] = staging_offset_[i];
    }
    const int64_t channels = out_shape_[1], planes = out_shape_[0] * channels;
    const int64_t out_plane = out[0] * out[1] * out[2], staged_plane = staged[0] * staged[1] * staged[2];
#pragma omp parallel for if (planes * out_plane > parallel_threshold)
    for (int64_t p = 0; p < planes; ++p) {
      const float b = bias ? bias[p % channels] : 0.0f;
      float* dst = y + p * out_plane;
      const float* src = staging_.data() + p * staged_plane;
      for (int64_t i0 = 0; i0 < out[0]; ++i0) {
        const int64_t s0 = i0 + offset[0];
        for (int64_t i1 = 0; i1 < out[1]; ++i1) {
          const int64_t s1 = i1 + offset[1];
          for (int64_t i2 = 0; i2 < out[2]; ++i2) {
            const int64_t s2 = i2 + offset[2];
            const bool inside = s0 >= 0 && s0 < staged[0] && s1 >= 0 && s1 < staged[1] && s2 >= 0 && s2 < staged[2];
            dst[(i0 * out[1] + i1) * out[2] + i2] = inside ? src[(s0 * staged[1] + s1) * staged[2] + s2] : b;
          }
        }
      }
    }
  }

  CpuContext& context_;
  bool transpose_;
  bool empty_ = false;
  bool has_bias_ = false;
  bool constant_weights_ = false;
  std::vector<int64_t> out_shape_;
  DnnlStep step_;
  std::optional<EltwiseSpec> post_op_;  // a fused activation
  std::vector<float> bn_scale_, bn_shift_;  // a fused BatchNormalization, per output channel
  std::vector<float> folded_weights_, folded_bias_;
  std::optional<dnnl::reorder> to_blocked_, from_blocked_;
  memory::desc blocked_src_md_, blocked_dst_md_;
  dnnl::memory held_src_, blocked_src_, blocked_dst_, held_dst_;
  std::vector<float> staging_;  // ConvTranspose only, when its pads need a window
  std::vector<int64_t> staging_shape_;
  std::array<int64_t, 3> staging_offset_{0, 0, 0};
};

}  // namespace

std::unique_ptr<Kernel> make_Conv(CpuContext& context) { return std::make_unique<ConvKernel>(context, false); }
std::unique_ptr<Kernel> make_ConvTranspose(CpuContext& context) { return std::make_unique<ConvKernel>(context, true); }

}  // namespace runtime::cpu
