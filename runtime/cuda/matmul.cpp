// MatMul and Gemm on cuBLAS (float32, no TF32). Row-major C = A·B is column-major
// Cᵀ = Bᵀ·Aᵀ, so each product is one cublasSgemm call with the operands swapped, and batches
// are one strided-batched call when every operand's batch is whole or broadcast; other
// broadcasts loop over the batch with offsets planned in prepare(). A constant bias (Gemm's C,
// or a following Add) is copied into the output first and accumulated with beta = 1; an
// activation after it is one more pass.
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "runtime/cuda/activation.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_kernel.h"
#include "runtime/cuda/cuda_kernels.h"
#include "runtime/cuda/elementwise.cuh"
#include "runtime/cuda/movement.cuh"

namespace runtime::cuda {

namespace {

class MatMulKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  bool fuse_next(const ir::Graph& graph, const ir::Node& host, const std::vector<const ir::Node*>& next) override {
    if (act_.op != Activation::none || element_count(output_info(graph, host, 0).shape) == 0) return false;
    const ir::Tensor& out = output_info(graph, host, 0);
    if (next.size() == 1 && next[0]->op == ir::OpKind::Add && bias_ == ir::no_tensor && !(host.op == ir::OpKind::Gemm && host.has_input(2))) {
      const ir::Node& add = *next[0];
      const ir::TensorId other = add.inputs[0] == host.outputs[0] ? add.inputs[1] : add.inputs[0];
      const ir::Tensor& bias = graph.tensor(other);
      if (!bias.value || bias.dtype != ir::DType::float32 || bias.shape.size() > out.shape.size() ||
          output_info(graph, add, 0).shape != out.shape)
        return false;
      bias_ = other;
      return true;
    }
    return absorb_activation(graph, next, act_);
  }

 protected:
  bool reads_constant_at_run(size_t input) const override { return input < 2; }  // Gemm's C is uploaded as the bias
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    if (input_info(graph, node, 0).dtype != ir::DType::float32 || input_info(graph, node, 1).dtype != ir::DType::float32)
      unsupported(node, "only float32 runs on cuBLAS here");
    out_count_ = element_count(output_info(graph, node, 0).shape);
    if (node.op == ir::OpKind::Gemm) prepare_gemm(graph, node);
    else prepare_matmul(graph, node);
    const ir::TensorId bias = node.op == ir::OpKind::Gemm && node.has_input(2) ? node.inputs[2] : bias_;
    if (bias != ir::no_tensor) prepare_bias(graph, node, bias);
    context_.cublas();  // the handle (and its workspace) exist before the first timed run
  }

  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    float* c = outputs[0]->as<float>();
    if (out_count_ == 0) return;
    float beta = 0.0f;
    if (!owned_.empty()) {  // the bias, broadcast into the output
      launch_strided_copy(4, owned_[0].data, bias_index_, c, out_count_, stream());
      PARTPLAN_CUDA_CHECK_LAUNCH();
      beta = beta_;
    }
    const float* a = inputs[0]->as<const float>();
    const float* b = inputs[1]->as<const float>();
    cublasHandle_t handle = context_.cublas();
    if (k_ == 0) {  // an empty sum: C = beta * bias
      if (owned_.empty()) PARTPLAN_CUDA_CHECK(cudaMemsetAsync(c, 0, static_cast<size_t>(out_count_) * sizeof(float), stream()));
    } else if (loop_offsets_.empty()) {
      PARTPLAN_CUBLAS_CHECK(cublasSgemmStridedBatched(handle, trans_b_ ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a_ ? CUBLAS_OP_T : CUBLAS_OP_N,
                                                      static_cast<int>(n_), static_cast<int>(m_), static_cast<int>(k_), &alpha_, b,
                                                      static_cast<int>(ldb_), stride_b_, a, static_cast<int>(lda_), stride_a_, &beta, c,
                                                      static_cast<int>(n_), m_ * n_, static_cast<int>(batch_)));
    } else {
      for (const auto& [offset_a, offset_b, offset_c] : loop_offsets_)
        PARTPLAN_CUBLAS_CHECK(cublasSgemm(handle, trans_b_ ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a_ ? CUBLAS_OP_T : CUBLAS_OP_N,
                                          static_cast<int>(n_), static_cast<int>(m_), static_cast<int>(k_), &alpha_, b + offset_b,
                                          static_cast<int>(ldb_), a + offset_a, static_cast<int>(lda_), &beta, c + offset_c,
                                          static_cast<int>(n_)));
    }
    if (act_.op != Activation::none) {
      launch_activation(act_, c, c, out_count_, stream());
      PARTPLAN_CUDA_CHECK_LAUNCH();
    }
  }

 private:
  void prepare_gemm(const ir::Graph& graph, const ir::Node& node) {
    const auto& a = input_info(graph, node, 0).shape;
    const auto& b = input_info(graph, node, 1).shape;
    if (a.size() != 2 || b.size() != 2) unsupported(node, "Gemm takes 2-D A and B");
    trans_a_ = attr_int(node, "transA", 0) != 0;
    trans_b_ = attr_int(node, "transB", 0) != 0;
    alpha_ = attr_float(node, "alpha", 1.0f);
    beta_ = attr_float(node, "beta", 1.0f);
    m_ = trans_a_ ? a[1] : a[0];
    k_ = trans_a_ ? a[0] : a[1];
    n_ = trans_b_ ? b[0] : b[1];
    lda_ = a[1];
    ldb_ = b[1];
    batch_ = 1;
    check_int_range(node);
  }

  void prepare_matmul(const ir::Graph& graph, const ir::Node& node) {
    std::vector<int64_t> a = input_info(graph, node, 0).shape, b = input_info(graph, node, 1).shape;
    if (a.empty() || b.empty()) unsupported(node, "a scalar operand");
    if (a.size() == 1) a.insert(a.begin(), 1);  // [K] -> [1, K]
    if (b.size() == 1) b.push_back(1);          // [K] -> [K, 1]
    m_ = a[a.size() - 2];
    k_ = a.back();
    n_ = b.back();
    lda_ = k_;
    ldb_ = n_;
    // Batch dims, right-aligned and broadcast.
    const size_t batch_rank = std::max(a.size(), b.size()) - 2;
    std::vector<int64_t> a_batch(batch_rank, 1), b_batch(batch_rank, 1), out_batch(batch_rank, 1);
    std::copy(a.begin(), a.end() - 2, a_batch.end() - static_cast<std::ptrdiff_t>(a.size() - 2));
    std::copy(b.begin(), b.end() - 2, b_batch.end() - static_cast<std::ptrdiff_t>(b.size() - 2));
    for (size_t d = 0; d < batch_rank; ++d) out_batch[d] = std::max(a_batch[d], b_batch[d]);
    const int64_t a_count = element_count(a_batch), b_count = element_count(b_batch);
    batch_ = element_count(out_batch);
    if (b_count == 1) {  // B shared: A's batch folds into its rows, one GEMM
      m_ *= a_count;
      batch_ = 1;
      stride_a_ = stride_b_ = 0;
    } else if ((a_count == batch_ || a_count == 1) && b_count == batch_) {
      stride_a_ = a_count == 1 ? 0 : m_ * k_;
      stride_b_ = k_ * n_;
    } else {  // partial broadcast ([2,1] x [1,3]): one GEMM per output batch element
      const auto a_strides = broadcast_strides(a_batch, out_batch), b_strides = broadcast_strides(b_batch, out_batch);
      for (int64_t i = 0; i < batch_; ++i) {
        int64_t rest = i, oa = 0, ob = 0;
        for (size_t d = batch_rank; d-- > 0;) {
          const int64_t index = rest % out_batch[d];
          rest /= out_batch[d];
          oa += index * a_strides[d];
          ob += index * b_strides[d];
        }
        loop_offsets_.push_back({oa * m_ * k_, ob * k_ * n_, i * m_ * n_});
      }
    }
    check_int_range(node);
  }

  // cuBLAS's sizes are int.
  void check_int_range(const ir::Node& node) const {
    constexpr int64_t limit = std::numeric_limits<int>::max();
    if (m_ > limit || n_ > limit || k_ > limit || batch_ > limit) unsupported(node, "a matrix dimension beyond cuBLAS's int range");
  }

  // The bias broadcast to the output as a strided copy's index (stride 0 along broadcast dims).
  void prepare_bias(const ir::Graph& graph, const ir::Node& node, ir::TensorId bias) {
    const ir::Tensor& b = graph.tensor(bias);
    const std::vector<int64_t>& out = output_info(graph, node, 0).shape;
    if (!b.value) unsupported(node, "a bias computed at run time");
    if (b.dtype != ir::DType::float32 || b.shape.size() > out.size()) unsupported(node, "a bias that does not broadcast to the output");
    for (size_t d = 0; d < b.shape.size(); ++d) {
      const int64_t dim = b.shape[d], target = out[out.size() - b.shape.size() + d];
      if (dim != 1 && dim != target) unsupported(node, "a bias that does not broadcast to the output");
    }
    std::vector<float> values(static_cast<size_t>(element_count(b.shape)));
    std::memcpy(values.data(), b.value->bytes.data(), values.size() * sizeof(float));
    const bool gemm_c = node.op == ir::OpKind::Gemm && node.has_input(2) && bias == node.inputs[2];
    if (gemm_c && k_ == 0)  // an empty product: Y = beta * C, with no GEMM to apply beta
      for (float& v : values) v *= attr_float(node, "beta", 1.0f);
    owned_ = {upload(values.data(), ir::DType::float32, b.value->dims)};
    const StridedCopy plan = plan_strided_copy(out, broadcast_strides(b.shape, out), 0, 4);
    bias_index_ = to_index(node, plan.dims, plan.in_strides, plan.in_offset);
    // Gemm scales its own C by beta; a fused Add's operand is added as it is.
    if (!gemm_c) beta_ = 1.0f;
  }

  bool trans_a_ = false, trans_b_ = false;
  float alpha_ = 1.0f, beta_ = 1.0f;
  int64_t m_ = 0, n_ = 0, k_ = 0, lda_ = 0, ldb_ = 0, batch_ = 1, stride_a_ = 0, stride_b_ = 0, out_count_ = 0;
  std::vector<std::array<int64_t, 3>> loop_offsets_;  // (a, b, c) element offsets per GEMM
  ir::TensorId bias_ = ir::no_tensor;                 // a following Add's constant operand
  StridedIndex bias_index_;
  ActivationSpec act_;
};

bool accepts_matmul(const ir::Graph& graph, const ir::Node& node) {
  for (size_t i = 0; i < 2; ++i)
    if (input_info(graph, node, i).dtype != ir::DType::float32 || input_info(graph, node, i).shape.empty()) return false;
  if (node.op == ir::OpKind::Gemm) {
    if (input_info(graph, node, 0).shape.size() != 2 || input_info(graph, node, 1).shape.size() != 2) return false;
    if (node.has_input(2) && (!input_info(graph, node, 2).value || input_info(graph, node, 2).dtype != ir::DType::float32)) return false;
  }
  return true;
}

}  // namespace

void register_matmul_kernels(CudaKernelRegistry& registry) {
  registry.add(ir::OpKind::MatMul, {&make_kernel<MatMulKernel>, &accepts_matmul});
  registry.add(ir::OpKind::Gemm, {&make_kernel<MatMulKernel>, &accepts_matmul});
}

}  // namespace runtime::cuda
