// LSTM, GRU and RNN on the GPU (host side): per direction, X·Wᵀ for every step is one cuBLAS
// GEMM; each step is then H·Rᵀ (one GEMM; a second for GRU's (r⊙H)·Rhᵀ without
// linear_before_reset) and one elementwise kernel (rnn.cu) that writes the new state into Y.
// What exporters write runs here: layout 0, default activations (RNN: Tanh, Relu or Sigmoid),
// constant B, optional initial states, peepholes, clip, input_forget, either GRU variant.
// sequence_lens and layout 1 fall back to the CPU.
#include <algorithm>
#include <cctype>

#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_kernel.h"
#include "runtime/cuda/cuda_kernels.h"
#include "runtime/cuda/rnn.cuh"

namespace runtime::cuda {

namespace {

int gate_count(ir::OpKind op) { return op == ir::OpKind::LSTM ? 4 : op == ir::OpKind::GRU ? 3 : 1; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// RNN's activation when the node's list is one the GPU cells compute: LSTM and GRU only with
// their defaults (Sigmoid, Tanh[, Tanh]), RNN with one of Tanh, Relu, Sigmoid (the same for
// both directions). Empty otherwise.
std::optional<ActivationSpec> cell_activation(const ir::Node& node) {
  std::vector<std::string> names;
  if (const ir::Attribute* a = find_attr(node, "activations")) names = a->kind == ir::Attribute::Kind::string ? std::vector<std::string>{a->s} : a->strings;
  for (std::string& name : names) name = lower(name);
  if (node.op == ir::OpKind::RNN) {
    if (names.empty()) return ActivationSpec{Activation::tanh};
    for (const std::string& name : names)
      if (name != names[0]) return std::nullopt;
    if (names[0] == "tanh") return ActivationSpec{Activation::tanh};
    if (names[0] == "relu") return ActivationSpec{Activation::relu};
    if (names[0] == "sigmoid") return ActivationSpec{Activation::sigmoid};
    return std::nullopt;
  }
  const std::vector<std::string> defaults = node.op == ir::OpKind::LSTM ? std::vector<std::string>{"sigmoid", "tanh", "tanh"}
                                                                         : std::vector<std::string>{"sigmoid", "tanh"};
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] != defaults[i % defaults.size()]) return std::nullopt;
  return ActivationSpec{};
}

bool accepts_recurrent(const ir::Graph& graph, const ir::Node& node) {
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.has_input(i) && i != 4 && input_info(graph, node, i).dtype != ir::DType::float32) return false;
  if (node.has_input(4) || attr_int(node, "layout", 0) != 0 || !cell_activation(node)) return false;
  if (node.has_input(3) && !input_info(graph, node, 3).value) return false;
  const std::string direction = attr_string(node, "direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") return false;
  return find_attr(node, "clip") == nullptr || attr_float(node, "clip", 0.0f) > 0.0f;
}

class RecurrentKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input != 3; }  // B is folded here
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    if (!accepts_recurrent(graph, node)) unsupported(node, "sequence_lens, layout 1 or activations the CUDA cells do not compute");
    op_ = node.op;
    const auto& x = input_info(graph, node, 0).shape;
    const auto& w = input_info(graph, node, 1).shape;
    seq_ = x[0];
    batch_ = x[1];
    input_size_ = x[2];
    const std::string direction = attr_string(node, "direction", "forward");
    directions_ = direction == "bidirectional" ? 2 : 1;
    reverse_only_ = direction == "reverse";
    gates_ = gate_count(op_);
    hidden_ = w[1] / gates_;
    clip_ = find_attr(node, "clip") != nullptr ? attr_float(node, "clip", 0.0f) : 0.0f;
    input_forget_ = op_ == ir::OpKind::LSTM && attr_int(node, "input_forget", 0) != 0;
    linear_before_reset_ = op_ == ir::OpKind::GRU && attr_int(node, "linear_before_reset", 0) != 0;
    activation_ = *cell_activation(node);

    // Biases per direction: Wb + Rb folded (GRU with linear_before_reset keeps Rbh apart, inside r⊙(·)).
    const int64_t H = hidden_, gh = gates_ * hidden_;
    std::vector<float> bias(static_cast<size_t>(directions_ * gh), 0.0f), recurrent_bias(static_cast<size_t>(directions_ * H), 0.0f);
    if (node.has_input(3)) {
      const std::vector<double> b = input_info(graph, node, 3).value->to_doubles();
      for (int64_t d = 0; d < directions_; ++d) {
        for (int64_t k = 0; k < gh; ++k)
          bias[static_cast<size_t>(d * gh + k)] = static_cast<float>(b[static_cast<size_t>(d * 2 * gh + k)] + b[static_cast<size_t>(d * 2 * gh + gh + k)]);
        if (linear_before_reset_)
          for (int64_t k = 0; k < H; ++k) {
            const auto rbh = static_cast<float>(b[static_cast<size_t>(d * 2 * gh + gh + 2 * H + k)]);
            recurrent_bias[static_cast<size_t>(d * H + k)] = rbh;
            bias[static_cast<size_t>(d * gh + 2 * H + k)] -= rbh;
          }
      }
    }
    auto scratch = [&](int64_t count) {
      std::vector<float> zeros(static_cast<size_t>(count), 0.0f);
      return upload(zeros.data(), ir::DType::float32, {count});
    };
    // owned_: bias, recurrent bias, X·Wᵀ, H·Rᵀ, h, c, z, r⊙H, (r⊙H)·Rhᵀ
    owned_ = {upload(bias.data(), ir::DType::float32, {directions_ * gh}),
              upload(recurrent_bias.data(), ir::DType::float32, {directions_ * H}),
              scratch(seq_ * batch_ * gh), scratch(batch_ * gh), scratch(batch_ * H), scratch(batch_ * H),
              scratch(batch_ * H), scratch(batch_ * H), scratch(batch_ * H)};
    has_bias_ = node.has_input(3);
    context_.cublas();
  }

  void run_on_gpu(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    auto input = [&](size_t i) -> const float* { return i < in.size() && in[i] ? in[i]->as<const float>() : nullptr; };
    auto output = [&](size_t i) -> float* { return i < out.size() && out[i] ? out[i]->as<float>() : nullptr; };
    const float* x = input(0);
    const float* w = input(1);
    const float* r = input(2);
    const float* initial_h = input(5);
    const float* initial_c = op_ == ir::OpKind::LSTM ? input(6) : nullptr;
    const float* peephole = op_ == ir::OpKind::LSTM ? input(7) : nullptr;
    float* y = output(0);
    float* y_h = output(1);
    float* y_c = op_ == ir::OpKind::LSTM ? output(2) : nullptr;
    float* xw = owned_[2].as<float>();
    float* rec = owned_[3].as<float>();
    float* h = owned_[4].as<float>();
    float* c = owned_[5].as<float>();
    const int64_t H = hidden_, gh = gates_ * hidden_;
    const auto state_bytes = static_cast<size_t>(batch_ * H) * sizeof(float);
    cublasHandle_t handle = context_.cublas();
    const float one = 1.0f, zero = 0.0f;

    for (int64_t d = 0; d < directions_; ++d) {
      const bool reverse = reverse_only_ || d == 1;
      // X·W_dᵀ for every step: [seq*batch, I] x [I, G*H].
      PARTPLAN_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(gh), static_cast<int>(seq_ * batch_),
                                        static_cast<int>(input_size_), &one, w + d * gh * input_size_, static_cast<int>(input_size_), x,
                                        static_cast<int>(input_size_), &zero, xw, static_cast<int>(gh)));
      // State in: initial_h / initial_c [D, N, H], else zeros.
      if (initial_h != nullptr) PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(h, initial_h + d * batch_ * H, state_bytes, cudaMemcpyDeviceToDevice, stream()));
      else PARTPLAN_CUDA_CHECK(cudaMemsetAsync(h, 0, state_bytes, stream()));
      if (initial_c != nullptr) PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(c, initial_c + d * batch_ * H, state_bytes, cudaMemcpyDeviceToDevice, stream()));
      else PARTPLAN_CUDA_CHECK(cudaMemsetAsync(c, 0, state_bytes, stream()));

      RecurrentStep step;
      step.batch = batch_;
      step.hidden = H;
      step.bias = has_bias_ ? owned_[0].as<const float>() + d * gh : nullptr;
      step.recurrent_bias_h = has_bias_ ? owned_[1].as<const float>() + d * H : nullptr;
      step.rec = rec;
      step.rec_h = owned_[8].as<const float>();
      step.peephole = peephole != nullptr ? peephole + d * 3 * H : nullptr;
      step.h = h;
      step.c = c;
      step.z = owned_[6].as<float>();
      step.rh = owned_[7].as<float>();
      step.clip = clip_;
      step.input_forget = input_forget_;
      step.linear_before_reset = linear_before_reset_;
      step.activation = activation_;
      const bool split_gru = op_ == ir::OpKind::GRU && !linear_before_reset_;
      const float* r_d = r + d * gh * H;
      for (int64_t s = 0; s < seq_; ++s) {
        const int64_t t = reverse ? seq_ - 1 - s : s;
        step.xw = xw + t * batch_ * gh;
        step.y = y != nullptr ? y + (t * directions_ + d) * batch_ * H : nullptr;  // Y [T, D, N, H]
        // H·Rᵀ: [batch, H] x [H, G*H]; GRU without linear_before_reset needs the z, r blocks only.
        const int64_t columns = split_gru ? 2 * H : gh;
        PARTPLAN_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(columns), static_cast<int>(batch_),
                                          static_cast<int>(H), &one, r_d, static_cast<int>(H), h, static_cast<int>(H), &zero, rec,
                                          static_cast<int>(gh)));
        if (op_ == ir::OpKind::LSTM) {
          launch_lstm_step(step, stream());
        } else if (op_ == ir::OpKind::RNN) {
          launch_rnn_step(step, stream());
        } else {
          launch_gru_gates(step, stream());
          if (split_gru) {
            // (r⊙H)·Rhᵀ: [batch, H] x [H, H], Rh the last H rows of R_d.
            PARTPLAN_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(H), static_cast<int>(batch_),
                                              static_cast<int>(H), &one, r_d + 2 * H * H, static_cast<int>(H), step.rh,
                                              static_cast<int>(H), &zero, owned_[8].as<float>(), static_cast<int>(H)));
            launch_gru_finish(step, stream());
          }
        }
        PARTPLAN_CUDA_CHECK_LAUNCH();
      }
      if (y_h != nullptr) PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(y_h + d * batch_ * H, h, state_bytes, cudaMemcpyDeviceToDevice, stream()));
      if (y_c != nullptr) PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(y_c + d * batch_ * H, c, state_bytes, cudaMemcpyDeviceToDevice, stream()));
    }
  }

 private:
  ir::OpKind op_ = ir::OpKind::LSTM;
  int64_t seq_ = 0, batch_ = 0, input_size_ = 0, directions_ = 1, gates_ = 1, hidden_ = 0;
  bool reverse_only_ = false, input_forget_ = false, linear_before_reset_ = false, has_bias_ = false;
  float clip_ = 0.0f;
  ActivationSpec activation_;
};

}  // namespace

void register_rnn_kernels(CudaKernelRegistry& registry) {
  for (ir::OpKind op : {ir::OpKind::LSTM, ir::OpKind::GRU, ir::OpKind::RNN}) registry.add(op, {&make_kernel<RecurrentKernel>, &accepts_recurrent});
}

}  // namespace runtime::cuda
