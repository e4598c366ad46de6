// Gemm and MatMul on oneDNN's matmul primitive. Transposed operands are strided views (no
// copies); a constant B is reordered once into the layout the primitive picks.
#include <algorithm>
#include <optional>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/dnnl_step.h"
#include "runtime/cpu/eltwise_spec.h"

namespace runtime::cpu {

namespace {

using dnnl::memory;

// The matmul primitive for src x weights (+ bias) -> dst, bound in `step`. `onnx_weights_md`
// is B as the model lays it out; when `constant_weights` holds it, B is reordered once here.
void create_matmul(CpuContext& context, const ir::Node& node, DnnlStep& step, const memory::desc& src_md,
                   const memory::desc& onnx_weights_md, const memory::desc* bias_md, const memory::desc& dst_md,
                   const dnnl::primitive_attr& attr, const void* constant_weights) {
  const auto engine = context.engine;
  with_dnnl_errors(node, [&] {
    const memory::desc weights_md =
        constant_weights ? memory::desc(onnx_weights_md.dims(), memory::data_type::f32, memory::format_tag::any) : onnx_weights_md;
    const dnnl::matmul::desc desc = bias_md ? dnnl::matmul::desc(src_md, weights_md, *bias_md, dst_md)
                                            : dnnl::matmul::desc(src_md, weights_md, dst_md);
    const dnnl::matmul::primitive_desc pd(desc, attr, engine);
    step.create(pd, engine);
    step.bind(DNNL_ARG_SRC, src_md, engine);
    step.bind(DNNL_ARG_DST, dst_md, engine);
    if (bias_md) step.bind(DNNL_ARG_BIAS, *bias_md, engine);
    if (constant_weights)
      step.bind_owned(DNNL_ARG_WEIGHTS, reorder_constant(context, onnx_weights_md, constant_weights, pd.weights_desc()));
    else
      step.bind(DNNL_ARG_WEIGHTS, weights_md, engine);
  });
}

class GemmKernel final : public Kernel {
 public:
  explicit GemmKernel(CpuContext& context) : context_(context) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    const auto& a = input_info(graph, node, 0).shape;
    const bool trans_a = attr_int(node, "transA", 0) != 0, trans_b = attr_int(node, "transB", 0) != 0;
    alpha_ = attr_float(node, "alpha", 1.0f);
    beta_ = attr_float(node, "beta", 1.0f);
    const auto& y = output_info(graph, node, 0).shape;
    m_ = y[0];
    n_ = y[1];
    k_ = trans_a ? a[0] : a[1];
    has_c_ = node.has_input(2) && beta_ != 0.0f;
    if (has_c_) {
      c_shape_ = input_info(graph, node, 2).shape;
      while (c_shape_.size() < 2) c_shape_.insert(c_shape_.begin(), 1);
    }
    if (m_ * n_ == 0 || k_ == 0) return;  // run() fills beta * C (or nothing)

    // C as the primitive's bias when it is added as is; otherwise C is copied into Y first
    // and a sum post-op adds beta * Y to alpha * A x B.
    c_as_bias_ = has_c_ && alpha_ == 1.0f && beta_ == 1.0f;
    dnnl::primitive_attr attr = user_scratchpad_attr();
    if (alpha_ != 1.0f) attr.set_output_scales(0, {alpha_});
    if (has_c_ && !c_as_bias_) {
      dnnl::post_ops ops;
      ops.append_sum(beta_);
      attr.set_post_ops(ops);
    }
    const memory::desc src_md = trans_a ? strided_desc({m_, k_}, {1, m_}) : plain_desc({m_, k_});
    const memory::desc weights_md = trans_b ? strided_desc({k_, n_}, {1, k_}) : plain_desc({k_, n_});
    const memory::desc dst_md = plain_desc({m_, n_});
    const memory::desc bias_md = plain_desc(c_shape_);
    const void* constant_b = constant_data(graph, node, 1);
    constant_b_ = constant_b != nullptr;
    create_matmul(context_, node, step_, src_md, weights_md, c_as_bias_ ? &bias_md : nullptr, dst_md, attr, constant_b);
    use_primitive_ = true;
  }

  int64_t owned_bytes() const override { return step_.owned_bytes(); }
  bool holds_copy_of_input(size_t input) const override { return input == 1 && constant_b_ && use_primitive_; }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    float* y = outputs[0]->as<float>();
    if (!use_primitive_) {  // empty, or K == 0: A x B is all zeros
      if (m_ * n_ == 0) return;
      if (has_c_) {
        copy_c(inputs[2]->as<const float>(), y, beta_);
      } else {
        std::fill(y, y + m_ * n_, 0.0f);
      }
      return;
    }
    if (has_c_ && !c_as_bias_) copy_c(inputs[2]->as<const float>(), y, 1.0f);
    step_.set(DNNL_ARG_SRC, inputs[0]->data);
    if (!constant_b_) step_.set(DNNL_ARG_WEIGHTS, inputs[1]->data);
    if (c_as_bias_) step_.set(DNNL_ARG_BIAS, inputs[2]->data);
    step_.set(DNNL_ARG_DST, y);
    step_.execute(context_.stream);
  }

 private:
  // y = scale * C broadcast to [M, N].
  void copy_c(const float* c, float* y, float scale) const {
    const int64_t row_stride = c_shape_[0] == 1 ? 0 : c_shape_[1], col_stride = c_shape_[1] == 1 ? 0 : 1;
    for (int64_t i = 0; i < m_; ++i)
      for (int64_t j = 0; j < n_; ++j) y[i * n_ + j] = scale * c[i * row_stride + j * col_stride];
  }

  CpuContext& context_;
  float alpha_ = 1.0f, beta_ = 1.0f;
  int64_t m_ = 0, n_ = 0, k_ = 0;
  bool has_c_ = false, c_as_bias_ = false, constant_b_ = false, use_primitive_ = false;
  std::vector<int64_t> c_shape_;
  DnnlStep step_;
};

class MatMulKernel final : public Kernel {
 public:
  explicit MatMulKernel(CpuContext& context) : context_(context) {}

  // Takes, in this order, an Add of a constant that broadcasts like a bias (the exporters'
  // Linear = MatMul + Add) as the primitive's bias, then an activation as an eltwise post-op.
  bool fuse_next(const ir::Graph& graph, const ir::Node& host, const std::vector<const ir::Node*>& next) override {
    if (post_op_ || next.size() != 1) return false;
    // An empty product is written as zeros by run(), without the primitive: nothing to fuse into.
    const auto& a = input_info(graph, host, 0).shape;
    if (a.empty() || a.back() == 0 || element_count(output_info(graph, host, 0).shape) == 0) return false;
    const ir::Node& node = *next[0];
    if (node.op == ir::OpKind::Add && bias_.empty()) {
      // Vector operands change the output's rank; keep to the matrix case.
      if (input_info(graph, host, 0).shape.size() < 2 || input_info(graph, host, 1).shape.size() < 2) return false;
      const ir::Tensor& out = output_info(graph, host, 0);
      const size_t other = node.inputs[0] == host.outputs[0] ? 1 : 0;
      const ir::Tensor& bias = input_info(graph, node, other);
      if (bias.dtype != ir::DType::float32 || out.dtype != ir::DType::float32 || bias.shape.size() > out.shape.size() ||
          output_info(graph, node, 0).shape != out.shape)
        return false;
      bias_shape_ = std::vector<int64_t>(out.shape.size() - bias.shape.size(), 1);
      bias_shape_.insert(bias_shape_.end(), bias.shape.begin(), bias.shape.end());
      for (size_t d = 0; d < bias_shape_.size(); ++d)
        if (bias_shape_[d] != 1 && bias_shape_[d] != out.shape[d]) return false;
      const auto values = bias.value->to_doubles();  // copied: the loaded weight may be dropped
      bias_.assign(values.begin(), values.end());
      return true;
    }
    post_op_ = eltwise_spec(graph, node);
    return post_op_.has_value();
  }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    auto a = input_info(graph, node, 0).shape;
    auto b = input_info(graph, node, 1).shape;
    if (a.size() == 1) a.insert(a.begin(), 1);  // a vector is a row on the left...
    if (b.size() == 1) b.push_back(1);           // ...and a column on the right
    const size_t rank = std::max(a.size(), b.size());
    if (rank > 12) unsupported(node, "more than 12 dimensions (oneDNN's matmul limit)");
    a.insert(a.begin(), rank - a.size(), 1);
    b.insert(b.begin(), rank - b.size(), 1);
    std::vector<int64_t> dst(rank);
    for (size_t d = 0; d + 2 < rank; ++d) dst[d] = std::max(a[d], b[d]);
    dst[rank - 2] = a[rank - 2];
    dst[rank - 1] = b[rank - 1];
    output_elements_ = element_count(dst);
    if (output_elements_ == 0 || a[rank - 1] == 0) return;  // run() writes zeros (or nothing)
    for (size_t d = 0; d + 2 < rank; ++d)
      if (a[d] == 0 || b[d] == 0) return;
    const void* constant_b = constant_data(graph, node, 1);
    constant_b_ = constant_b != nullptr;
    dnnl::primitive_attr attr = user_scratchpad_attr();
    if (post_op_) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, post_op_->algorithm, post_op_->alpha, post_op_->beta);
      attr.set_post_ops(ops);
    }
    // The bias in the primitive's (rank-expanded) dims.
    std::vector<int64_t> bias_dims(rank - bias_shape_.size(), 1);
    bias_dims.insert(bias_dims.end(), bias_shape_.begin(), bias_shape_.end());
    // A batch of rows times one constant matrix (a Linear layer over [batch, tokens, features])
    // is a single 2-D product: oneDNN then packs the weights into its blocked layout once,
    // instead of reading them plain on every call (about 10% faster on the GPT decoder's layers).
    bool weights_shared = constant_b_;
    for (size_t d = 0; d + 2 < rank; ++d) weights_shared = weights_shared && b[d] == 1;
    for (size_t d = 0; d + 1 < rank; ++d) weights_shared = weights_shared && bias_dims[d] == 1;
    if (weights_shared && rank > 2) {
      const int64_t rows = element_count(a) / a[rank - 1];
      a = {rows, a[rank - 1]};
      b = {b[rank - 2], b[rank - 1]};
      dst = {rows, dst[rank - 1]};
      bias_dims = {1, bias_dims[rank - 1]};
    }
    const memory::desc bias_md = plain_desc(bias_dims);
    create_matmul(context_, node, step_, plain_desc(a), plain_desc(b), bias_.empty() ? nullptr : &bias_md, plain_desc(dst), attr, constant_b);
    if (!bias_.empty()) step_.set(DNNL_ARG_BIAS, bias_.data());
    use_primitive_ = true;
  }

  int64_t owned_bytes() const override { return step_.owned_bytes() + vector_bytes(bias_); }
  bool holds_copy_of_input(size_t input) const override { return input == 1 && constant_b_ && use_primitive_; }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    float* y = outputs[0]->as<float>();
    if (!use_primitive_) {
      std::fill(y, y + output_elements_, 0.0f);
      return;
    }
    step_.set(DNNL_ARG_SRC, inputs[0]->data);
    if (!constant_b_) step_.set(DNNL_ARG_WEIGHTS, inputs[1]->data);
    step_.set(DNNL_ARG_DST, y);
    step_.execute(context_.stream);
  }

 private:
  CpuContext& context_;
  int64_t output_elements_ = 0;
  bool constant_b_ = false, use_primitive_ = false;
  std::vector<float> bias_;  // a fused Add's constant, in bias_shape_ (aligned to the output's rank)
  std::vector<int64_t> bias_shape_;
  std::optional<EltwiseSpec> post_op_;  // a fused activation
  DnnlStep step_;
};

}  // namespace

std::unique_ptr<Kernel> make_Gemm(CpuContext& context) { return std::make_unique<GemmKernel>(context); }
std::unique_ptr<Kernel> make_MatMul(CpuContext& context) { return std::make_unique<MatMulKernel>(context); }

}  // namespace runtime::cpu
