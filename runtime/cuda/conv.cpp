// Conv and ConvTranspose on cuDNN's legacy convolution API (float32, NCHW, strict FP32 math:
// CUDNN_FMA_MATH, no TF32). prepare() asks cuDNN to time its algorithms on this node's shapes
// (cudnnFind*AlgorithmEx, with scratch tensors) and keeps the fastest whose workspace fits;
// that search is never part of a timed run. A following BatchNormalization is folded into
// the weights; bias and a following activation are one pass after the convolution.
#include <algorithm>
#include <array>
#include <cstring>

#include "runtime/batch_norm_fold.h"
#include "runtime/cuda/activation.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_kernel.h"
#include "runtime/cuda/cuda_kernels.h"
#include "runtime/cuda/elementwise.cuh"
#include "runtime/window_geometry.h"

namespace runtime::cuda {

namespace {

// The most workspace an algorithm may ask for; a faster one that wants more is passed over.
constexpr size_t workspace_limit_bytes = size_t{512} << 20;

// cuDNN wants at least two spatial dims: a 1-D convolution gets a trailing dim of 1.
std::vector<int> cudnn_dims(std::vector<int64_t> shape) {
  if (shape.size() == 3) shape.push_back(1);
  return std::vector<int>(shape.begin(), shape.end());
}

class ConvKernel final : public CudaKernel {
 public:
  ConvKernel(CudaContext& context, bool transpose) : CudaKernel(context), transpose_(transpose) {}
  ~ConvKernel() override {
    if (x_desc_) cudnnDestroyTensorDescriptor(x_desc_);
    if (y_desc_) cudnnDestroyTensorDescriptor(y_desc_);
    if (w_desc_) cudnnDestroyFilterDescriptor(w_desc_);
    if (conv_desc_) cudnnDestroyConvolutionDescriptor(conv_desc_);
  }

  bool fuse_next(const ir::Graph& graph, const ir::Node& host, const std::vector<const ir::Node*>& next) override {
    if (act_.op != Activation::none || !input_info(graph, host, 1).value) return false;
    if (next.size() == 1 && next[0]->op == ir::OpKind::BatchNormalization && !transpose_ && !bn_) {
      if (host.has_input(2) && !input_info(graph, host, 2).value) return false;
      auto affine = batch_norm_affine(graph, *next[0]);
      if (!affine || static_cast<int64_t>(affine->scale.size()) != input_info(graph, host, 1).shape[0]) return false;
      bn_ = std::move(affine);
      return true;
    }
    return absorb_activation(graph, next, act_);
  }

 protected:
  // The weights and bias are uploaded here (folded with a BatchNormalization when there is one).
  bool reads_constant_at_run(size_t input) const override { return input == 0; }

  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const auto& x = input_info(graph, node, 0).shape;
    const ir::Tensor& w = input_info(graph, node, 1);
    const auto& y = output_info(graph, node, 0).shape;
    if (input_info(graph, node, 0).dtype != ir::DType::float32 || w.dtype != ir::DType::float32) unsupported(node, "only float32");
    if (x.size() < 3 || x.size() > 5) unsupported(node, "only 1-D, 2-D and 3-D convolutions");
    if (!w.value) unsupported(node, "weights computed at run time");
    out_count_ = element_count(y);
    if (out_count_ == 0 || element_count(x) == 0) unsupported(node, "an empty input or output");
    const ConvGeometry g = conv_geometry(node, x, w.shape, y, transpose_);
    if (g.pad_l != g.pad_r) unsupported(node, "asymmetric padding (cuDNN pads both ends alike)");
    std::vector<int> pads(g.pad_l.begin(), g.pad_l.end()), strides(g.strides.begin(), g.strides.end()),
        dilations(g.dilations.begin(), g.dilations.end());
    if (x.size() == 3) {
      pads.push_back(0);
      strides.push_back(1);
      dilations.push_back(1);
    }
    channels_ = y[1];
    inner_ = out_count_ / (y[0] * y[1]);

    PARTPLAN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x_desc_));
    PARTPLAN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y_desc_));
    PARTPLAN_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w_desc_));
    PARTPLAN_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv_desc_));
    const std::vector<int> xd = cudnn_dims(x), yd = cudnn_dims(y), wd = cudnn_dims(w.shape);
    PARTPLAN_CUDNN_CHECK(cudnnSetTensorNdDescriptorEx(x_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, static_cast<int>(xd.size()), xd.data()));
    PARTPLAN_CUDNN_CHECK(cudnnSetTensorNdDescriptorEx(y_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, static_cast<int>(yd.size()), yd.data()));
    PARTPLAN_CUDNN_CHECK(cudnnSetFilterNdDescriptor(w_desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, static_cast<int>(wd.size()), wd.data()));
    PARTPLAN_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(conv_desc_, static_cast<int>(pads.size()), pads.data(), strides.data(),
                                                         dilations.data(), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    PARTPLAN_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv_desc_, static_cast<int>(g.group)));
    PARTPLAN_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_, CUDNN_FMA_MATH));
    if (!transpose_) {
      std::vector<int> expected(xd.size());
      PARTPLAN_CUDNN_CHECK(cudnnGetConvolutionNdForwardOutputDim(conv_desc_, x_desc_, w_desc_, static_cast<int>(expected.size()), expected.data()));
      if (expected != yd) unsupported(node, "cuDNN computes another output shape for these attributes");
    } else {  // the output is the input of the convolution whose gradient this is
      std::vector<int> expected(yd.size());
      PARTPLAN_CUDNN_CHECK(cudnnGetConvolutionNdForwardOutputDim(conv_desc_, y_desc_, w_desc_, static_cast<int>(expected.size()), expected.data()));
      if (expected != xd) unsupported(node, "cuDNN computes another output shape for these attributes");
    }

    upload_weights(graph, node);
    choose_algorithm(node, element_count(x));
  }

  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const float one = 1.0f, zero = 0.0f;
    cudnnHandle_t handle = context_.cudnn();
    void* workspace = workspace_bytes_ > 0 ? context_.workspace() : nullptr;
    float* y = outputs[0]->as<float>();
    if (!transpose_)
      PARTPLAN_CUDNN_CHECK(cudnnConvolutionForward(handle, &one, x_desc_, inputs[0]->data, w_desc_, owned_[0].data, conv_desc_, forward_algo_,
                                                   workspace, workspace_bytes_, &zero, y_desc_, y));
    else
      PARTPLAN_CUDNN_CHECK(cudnnConvolutionBackwardData(handle, &one, w_desc_, owned_[0].data, x_desc_, inputs[0]->data, conv_desc_,
                                                        backward_algo_, workspace, workspace_bytes_, &zero, y_desc_, y));
    const float* bias = owned_.size() > 1 ? owned_[1].as<const float>() : nullptr;
    if (bias != nullptr || act_.op != Activation::none) {
      launch_channel_affine(y, y, nullptr, bias, channels_, inner_, out_count_, act_, stream());
      PARTPLAN_CUDA_CHECK_LAUNCH();
    }
  }

 private:
  // Weights (and bias) to the device, with a fused BatchNormalization folded in:
  // w'[m] = w[m] * scale[m], b'[m] = b[m] * scale[m] + shift[m].
  void upload_weights(const ir::Graph& graph, const ir::Node& node) {
    const ir::Tensor& w = input_info(graph, node, 1);
    const bool has_bias = node.has_input(2);
    if (has_bias && !input_info(graph, node, 2).value) unsupported(node, "a bias computed at run time");
    if (!bn_) {
      owned_ = {upload(w.value->bytes.data(), ir::DType::float32, w.value->dims)};
      if (has_bias) {
        const ir::Tensor& b = input_info(graph, node, 2);
        owned_.push_back(upload(b.value->bytes.data(), ir::DType::float32, b.value->dims));
      }
      return;
    }
    std::vector<float> weights(static_cast<size_t>(element_count(w.shape)));
    std::memcpy(weights.data(), w.value->bytes.data(), weights.size() * sizeof(float));
    const int64_t per_channel = static_cast<int64_t>(weights.size()) / w.shape[0];
    std::vector<float> bias(static_cast<size_t>(w.shape[0]), 0.0f);
    if (has_bias) {
      const auto values = input_info(graph, node, 2).value->to_doubles();
      for (size_t m = 0; m < bias.size(); ++m) bias[m] = static_cast<float>(values[m]);
    }
    for (size_t m = 0; m < bias.size(); ++m) {
      for (int64_t k = 0; k < per_channel; ++k) weights[m * static_cast<size_t>(per_channel) + static_cast<size_t>(k)] *= bn_->scale[m];
      bias[m] = bias[m] * bn_->scale[m] + bn_->shift[m];
    }
    owned_ = {upload(weights.data(), ir::DType::float32, w.shape), upload(bias.data(), ir::DType::float32, {w.shape[0]})};
  }

  // cuDNN times each algorithm on scratch tensors of this node's shapes (weights are the real
  // ones); the fastest that succeeded within the workspace limit wins.
  void choose_algorithm(const ir::Node& node, int64_t in_count) {
    cudnnHandle_t handle = context_.cudnn();
    Tensor x_scratch = upload_zeros(in_count), y_scratch = upload_zeros(out_count_);
    // The search's scratch comes straight from the driver and goes back after: a block this
    // size left in the allocator's cache would count as memory the model holds.
    size_t search_bytes = workspace_limit_bytes;
    void* search = nullptr;
    while (cudaMalloc(&search, search_bytes) != cudaSuccess) {
      cudaGetLastError();
      search = nullptr;
      if ((search_bytes /= 2) < (size_t{1} << 20)) break;
    }
    const std::unique_ptr<void, cudaError_t (*)(void*)> search_space(search, &cudaFree);
    if (search == nullptr) search_bytes = 0;
    constexpr int wanted = 8;
    int found = 0;
    if (!transpose_) {
      std::array<cudnnConvolutionFwdAlgoPerf_t, wanted> results{};
      PARTPLAN_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(handle, x_desc_, x_scratch.data, w_desc_, owned_[0].data, conv_desc_, y_desc_,
                                                                  y_scratch.data, wanted, &found, results.data(), search, search_bytes));
      const auto* best = fastest(results.data(), found);
      if (best == nullptr) unsupported(node, "no cuDNN algorithm runs this convolution");
      forward_algo_ = best->algo;
      workspace_bytes_ = best->memory;
    } else {
      std::array<cudnnConvolutionBwdDataAlgoPerf_t, wanted> results{};
      PARTPLAN_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(handle, w_desc_, owned_[0].data, x_desc_, x_scratch.data, conv_desc_,
                                                                       y_desc_, y_scratch.data, wanted, &found, results.data(), search,
                                                                       search_bytes));
      const auto* best = fastest(results.data(), found);
      if (best == nullptr) unsupported(node, "no cuDNN algorithm runs this transposed convolution");
      backward_algo_ = best->algo;
      workspace_bytes_ = best->memory;
    }
    context_.reserve_workspace(workspace_bytes_);
  }

  // cuDNN returns its results fastest first; the first that ran and fits wins.
  template <typename Perf>
  static const Perf* fastest(const Perf* results, int count) {
    for (int i = 0; i < count; ++i)
      if (results[i].status == CUDNN_STATUS_SUCCESS && results[i].memory <= workspace_limit_bytes) return &results[i];
    return nullptr;
  }

  Tensor upload_zeros(int64_t count) {
    Tensor t;
    t.dtype = ir::DType::float32;
    t.shape = {count};
    t.storage = context_.allocate(static_cast<size_t>(count) * sizeof(float));
    t.data = t.storage.get();
    PARTPLAN_CUDA_CHECK(cudaMemsetAsync(t.data, 0, static_cast<size_t>(count) * sizeof(float), stream()));
    return t;
  }

  bool transpose_;
  std::optional<ChannelAffine> bn_;
  ActivationSpec act_;
  cudnnTensorDescriptor_t x_desc_ = nullptr, y_desc_ = nullptr;
  cudnnFilterDescriptor_t w_desc_ = nullptr;
  cudnnConvolutionDescriptor_t conv_desc_ = nullptr;
  cudnnConvolutionFwdAlgo_t forward_algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnConvolutionBwdDataAlgo_t backward_algo_ = CUDNN_CONVOLUTION_BWD_DATA_ALGO_0;
  size_t workspace_bytes_ = 0;
  int64_t out_count_ = 0, channels_ = 1, inner_ = 1;
};

bool accepts_conv(const ir::Graph& graph, const ir::Node& node) {
  const ir::Tensor& x = input_info(graph, node, 0);
  const ir::Tensor& w = input_info(graph, node, 1);
  if (x.dtype != ir::DType::float32 || w.dtype != ir::DType::float32 || !w.value || x.shape.size() < 3 || x.shape.size() > 5) return false;
  if (node.has_input(2) && !input_info(graph, node, 2).value) return false;
  try {  // cuDNN pads both ends alike
    const ConvGeometry g = conv_geometry(node, x.shape, w.shape, output_info(graph, node, 0).shape, node.op == ir::OpKind::ConvTranspose);
    return g.pad_l == g.pad_r;
  } catch (const ir::Error&) {
    return false;
  }
}

std::unique_ptr<Kernel> make_conv(CudaContext& context) { return std::make_unique<ConvKernel>(context, false); }
std::unique_ptr<Kernel> make_conv_transpose(CudaContext& context) { return std::make_unique<ConvKernel>(context, true); }

}  // namespace

void register_conv_kernels(CudaKernelRegistry& registry) {
  registry.add(ir::OpKind::Conv, {&make_conv, &accepts_conv});
  registry.add(ir::OpKind::ConvTranspose, {&make_conv_transpose, &accepts_conv});
}

}  // namespace runtime::cuda
