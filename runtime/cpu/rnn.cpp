// LSTM, GRU and RNN on the CPU (fp32). The nodes oneDNN's RNN primitives compute exactly run
// on them (rnn_dnnl.cpp: default activations, no clip/input_forget/peepholes, constant
// weights, full-length sequences, layout 0: what exporters write). Everything else runs here,
// per the ONNX spec: forward/reverse/bidirectional, layout 0 and 1, optional B, sequence_lens,
// initial_h/initial_c, peepholes, clip, input_forget, linear_before_reset, any activation ONNX
// lists for recurrent ops. X·Wᵀ for all timesteps of a direction is one Eigen GEMM; the
// recurrence then does one H·Rᵀ GEMM per step plus elementwise gate math per batch row.
//
// --- ONNX -> oneDNN, as rnn_dnnl.cpp maps it.
// LSTM gates. ONNX W/R rows and B halves are in gate order i, o, f, c (each H rows);
// oneDNN vanilla_lstm uses i, f, c̃, o. ONNX gate g -> oneDNN gate:
//     i (ONNX 0) -> 0,   o (ONNX 1) -> 3,   f (ONNX 2) -> 1,   c (ONNX 3) -> 2.
//   Peepholes (not mapped yet, they run here): ONNX P = [Pi, Po, Pf] (3H); oneDNN
//     weights_peephole (ldgo, 3 gates) is i, f, o: Pi -> 0, Po -> 2, Pf -> 1.
// GRU gates. ONNX z, r, h; oneDNN vanilla_gru / lbr_gru use u, r, o — the same order and the
//   same update rule (h_t = u⊙h_{t-1} + (1-u)⊙c̃ is ONNX's (1-z)⊙h̃ + z⊙H_{t-1}), so the
//   mapping is the identity z->u (0), r->r (1), h->o (2).
//   linear_before_reset=0 -> vanilla_gru (c̃ = tanh(W_o x + U_o (r⊙h) + b_o)), b_o = Wbh + Rbh.
//   linear_before_reset=1 -> lbr_gru, whose bias has 4 gates: [Wbz+Rbz, Wbr+Rbr, Wbh, Rbh]
//   (the 4th is the recurrent bias inside r⊙(U_o h + b)).
// RNN: one gate, vanilla_rnn with eltwise tanh / relu / logistic for Tanh / Relu / Sigmoid.
// Layouts. One primitive (bidirectional_concat for two directions, right2left for reverse).
//   ONNX W [D, G*H, I] is, after the gate permutation, oneDNN's ldgoi (L=1), reordered once
//   into the layout the primitive picks; R [D, G*H, H] likewise; biases: oneDNN has one bias
//   per gate, so Wb + Rb (ldgo), except lbr_gru as above. initial_h / Y_h / Y_c [D, N, H] are
//   ldnc with L=1. Y [T, D, N, H] is oneDNN's dst_layer [T, N, D*H] when D = 1 or N = 1;
//   otherwise dst_layer goes to a scratch buffer and each [H] row is copied into place.
//   sequence_lens has no oneDNN equivalent: shorter sequences run here.
#include <Eigen/Core>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/cpu/rnn_dnnl.h"

namespace runtime::cpu {

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;
using StridedConstMap = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;

using Cell = RecurrentCell;

struct Activation {
  enum class Kind { sigmoid, tanh, relu, affine, leaky_relu, thresholded_relu, scaled_tanh, hard_sigmoid, elu, softsign, softplus };
  Kind kind = Kind::sigmoid;
  float alpha = 0, beta = 0;

  void apply(float* p, int64_t n) const {
    switch (kind) {
      case Kind::sigmoid: for (int64_t i = 0; i < n; ++i) p[i] = 1.0f / (1.0f + std::exp(-p[i])); break;
      case Kind::tanh: for (int64_t i = 0; i < n; ++i) p[i] = std::tanh(p[i]); break;
      case Kind::relu: for (int64_t i = 0; i < n; ++i) p[i] = std::max(p[i], 0.0f); break;
      case Kind::affine: for (int64_t i = 0; i < n; ++i) p[i] = alpha * p[i] + beta; break;
      case Kind::leaky_relu: for (int64_t i = 0; i < n; ++i) p[i] = p[i] >= 0 ? p[i] : alpha * p[i]; break;
      case Kind::thresholded_relu: for (int64_t i = 0; i < n; ++i) p[i] = p[i] > alpha ? p[i] : 0.0f; break;
      case Kind::scaled_tanh: for (int64_t i = 0; i < n; ++i) p[i] = alpha * std::tanh(beta * p[i]); break;
      case Kind::hard_sigmoid: for (int64_t i = 0; i < n; ++i) p[i] = std::clamp(alpha * p[i] + beta, 0.0f, 1.0f); break;
      case Kind::elu: for (int64_t i = 0; i < n; ++i) p[i] = p[i] >= 0 ? p[i] : alpha * (std::exp(p[i]) - 1); break;
      case Kind::softsign: for (int64_t i = 0; i < n; ++i) p[i] = p[i] / (1 + std::abs(p[i])); break;
      case Kind::softplus: for (int64_t i = 0; i < n; ++i) p[i] = std::log1p(std::exp(p[i])); break;
    }
  }
};

// The node's activations, `per_direction` for each direction; alphas/betas are consumed in
// order by the functions that take them, ONNX's defaults once the lists run out.
std::vector<Activation> parse_activations(const ir::Node& node, Cell cell, int64_t directions) {
  const size_t per_direction = cell == Cell::lstm ? 3 : cell == Cell::gru ? 2 : 1;
  std::vector<std::string> names;
  if (const ir::Attribute* a = find_attr(node, "activations")) names = a->kind == ir::Attribute::Kind::string ? std::vector<std::string>{a->s} : a->strings;
  if (names.empty()) {
    names = cell == Cell::lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
            : cell == Cell::gru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                : std::vector<std::string>{"Tanh"};
  }
  if (names.size() == per_direction && directions == 2) {
    const std::vector<std::string> once = names;  // the same set for both directions
    names.insert(names.end(), once.begin(), once.end());
  }
  if (names.size() != per_direction * static_cast<size_t>(directions))
    unsupported(node, "expects " + std::to_string(per_direction * static_cast<size_t>(directions)) + " activations, got " + std::to_string(names.size()));
  std::vector<float> alphas, betas;
  if (const ir::Attribute* a = find_attr(node, "activation_alpha")) alphas = a->floats;
  if (const ir::Attribute* a = find_attr(node, "activation_beta")) betas = a->floats;
  size_t next_alpha = 0, next_beta = 0;
  std::vector<Activation> result;
  for (const std::string& name : names) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    struct Known {
      const char* name;
      Activation::Kind kind;
      bool uses_alpha, uses_beta;
      float alpha, beta;
    };
    static const Known known[] = {
        {"sigmoid", Activation::Kind::sigmoid, false, false, 0, 0},
        {"tanh", Activation::Kind::tanh, false, false, 0, 0},
        {"relu", Activation::Kind::relu, false, false, 0, 0},
        {"affine", Activation::Kind::affine, true, true, 1.0f, 0.0f},
        {"leakyrelu", Activation::Kind::leaky_relu, true, false, 0.01f, 0},
        {"thresholdedrelu", Activation::Kind::thresholded_relu, true, false, 1.0f, 0},
        {"scaledtanh", Activation::Kind::scaled_tanh, true, true, 1.0f, 1.0f},
        {"hardsigmoid", Activation::Kind::hard_sigmoid, true, true, 0.2f, 0.5f},
        {"elu", Activation::Kind::elu, true, false, 1.0f, 0},
        {"softsign", Activation::Kind::softsign, false, false, 0, 0},
        {"softplus", Activation::Kind::softplus, false, false, 0, 0},
    };
    const Known* k = std::find_if(std::begin(known), std::end(known), [&](const Known& x) { return lower == x.name; });
    if (k == std::end(known)) unsupported(node, "activation '" + name + "' is not supported");
    Activation act{k->kind, k->alpha, k->beta};
    if (k->uses_alpha && next_alpha < alphas.size()) act.alpha = alphas[next_alpha++];
    if (k->uses_beta && next_beta < betas.size()) act.beta = betas[next_beta++];
    result.push_back(act);
  }
  return result;
}

class RecurrentKernel final : public Kernel {
 public:
  RecurrentKernel(CpuContext& context, Cell cell) : context_(context), cell_(cell) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (!node.has_input(i) || i == 4) continue;  // 4: sequence_lens, an integer tensor
      if (input_info(graph, node, i).dtype != ir::DType::float32)
        unsupported(node, "only float32 is supported by recurrent layers on the CPU, input " + std::to_string(i) + " is " +
                              std::string(ir::dtype_name(input_info(graph, node, i).dtype)));
    }
    if (node.has_input(4)) {
      const ir::DType d = input_info(graph, node, 4).dtype;
      if (d != ir::DType::int32 && d != ir::DType::int64) unsupported(node, "sequence_lens must be int32 or int64");
    }
    const auto& x = input_info(graph, node, 0).shape;
    const auto& w = input_info(graph, node, 1).shape;
    batch_first_ = attr_int(node, "layout", 0) != 0;
    seq_ = batch_first_ ? x[1] : x[0];
    batch_ = batch_first_ ? x[0] : x[1];
    input_size_ = x[2];
    const std::string direction = attr_string(node, "direction", "forward");
    if (direction != "forward" && direction != "reverse" && direction != "bidirectional") unsupported(node, "direction '" + direction + "' is not supported");
    directions_ = direction == "bidirectional" ? 2 : 1;
    reverse_only_ = direction == "reverse";
    gates_ = cell_ == Cell::lstm ? 4 : cell_ == Cell::gru ? 3 : 1;
    hidden_ = w[1] / gates_;
    activations_ = parse_activations(node, cell_, directions_);
    const float clip = attr_float(node, "clip", 0.0f);
    clip_ = find_attr(node, "clip") != nullptr ? clip : 0.0f;
    if (find_attr(node, "clip") != nullptr && !(clip > 0)) unsupported(node, "clip must be positive");
    input_forget_ = cell_ == Cell::lstm && attr_int(node, "input_forget", 0) != 0;
    linear_before_reset_ = cell_ == Cell::gru && attr_int(node, "linear_before_reset", 0) != 0;
    dnnl_ = DnnlRecurrent::create(context_, graph, node, cell_);
    if (dnnl_) return;

    const int64_t gh = gates_ * hidden_;
    xw_.resize(seq_ * batch_, gh);
    gates_buffer_.resize(batch_, gh);
    recurrent_.resize(batch_, gh);
    h_.resize(batch_, hidden_);
    c_.resize(batch_, hidden_);
    bias_.resize(gh);
    recurrent_bias_.resize(hidden_);
    lengths_.assign(static_cast<size_t>(batch_), seq_);
  }

  // oneDNN's path copies W, R and B (gate-permuted, reordered); the Eigen path reads them.
  bool holds_copy_of_input(size_t input) const override { return dnnl_ && input >= 1 && input <= 3; }
  int64_t owned_bytes() const override {
    if (dnnl_) return dnnl_->owned_bytes();
    const Eigen::Index floats = xw_.size() + gates_buffer_.size() + recurrent_.size() + h_.size() + c_.size() + bias_.size() + recurrent_bias_.size();
    return static_cast<int64_t>(floats) * static_cast<int64_t>(sizeof(float));
  }

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (dnnl_) {
      dnnl_->run(in, out);
      return;
    }
    auto input = [&](size_t i) -> const float* { return i < in.size() && in[i] ? in[i]->as<float>() : nullptr; };
    const float* x = input(0);
    const float* w = input(1);
    const float* r = input(2);
    const float* b = input(3);
    const float* initial_h = input(5);
    const float* initial_c = cell_ == Cell::lstm ? input(6) : nullptr;
    const float* peephole = cell_ == Cell::lstm ? input(7) : nullptr;
    if (in.size() > 4 && in[4]) {
      for (int64_t n = 0; n < batch_; ++n) {
        const int64_t len = in[4]->dtype == ir::DType::int32 ? in[4]->as<int32_t>()[n] : in[4]->as<int64_t>()[n];
        lengths_[static_cast<size_t>(n)] = std::clamp<int64_t>(len, 0, seq_);
      }
    }
    float* y = out.size() > 0 && out[0] ? out[0]->as<float>() : nullptr;
    float* y_h = out.size() > 1 && out[1] ? out[1]->as<float>() : nullptr;
    float* y_c = cell_ == Cell::lstm && out.size() > 2 && out[2] ? out[2]->as<float>() : nullptr;
    if (y) std::memset(y, 0, static_cast<size_t>(out[0]->size_bytes()));  // steps past a sequence's end stay 0

    const int64_t H = hidden_, gh = gates_ * hidden_;
    const ConstMatrixMap x_all(x, seq_ * batch_, input_size_);
    for (int64_t d = 0; d < directions_; ++d) {
      const bool reverse = reverse_only_ || d == 1;
      const ConstMatrixMap w_d(w + d * gh * input_size_, gh, input_size_);
      const ConstMatrixMap r_d(r + d * gh * H, gh, H);
      // Biases outside the recurrence fold into X·Wᵀ; GRU's Rbh with linear_before_reset stays
      // inside r⊙(H·Rhᵀ + Rbh).
      bias_.setZero();
      recurrent_bias_.setZero();
      if (b) {
        for (int64_t k = 0; k < gh; ++k) bias_[k] = b[d * 2 * gh + k] + b[d * 2 * gh + gh + k];
        if (linear_before_reset_)
          for (int64_t k = 0; k < H; ++k) {
            recurrent_bias_[k] = b[d * 2 * gh + gh + 2 * H + k];
            bias_[2 * H + k] -= recurrent_bias_[k];
          }
      }
      xw_.noalias() = x_all * w_d.transpose();
      xw_.rowwise() += bias_.transpose();

      // State in/out: layout 0 is [D, N, H], layout 1 is [N, D, H].
      const int64_t state_offset = batch_first_ ? d * H : d * batch_ * H;
      const int64_t state_stride = batch_first_ ? directions_ * H : H;
      for (int64_t n = 0; n < batch_; ++n) {
        for (int64_t k = 0; k < H; ++k) {
          h_(n, k) = initial_h ? initial_h[state_offset + n * state_stride + k] : 0.0f;
          c_(n, k) = initial_c ? initial_c[state_offset + n * state_stride + k] : 0.0f;
        }
      }
      const Activation* act = activations_.data() + d * (cell_ == Cell::lstm ? 3 : cell_ == Cell::gru ? 2 : 1);
      const float* p_d = peephole ? peephole + d * 3 * H : nullptr;

      for (int64_t step = 0; step < seq_; ++step) {
        const int64_t t = reverse ? seq_ - 1 - step : step;
        // This step's rows of X·Wᵀ: rows (t, n) in layout 0, (n, t) in layout 1.
        const StridedConstMap xw_t(xw_.data() + (batch_first_ ? t : t * batch_) * gh, batch_, gh,
                                   Eigen::OuterStride<>(batch_first_ ? seq_ * gh : gh));
        if (cell_ == Cell::gru && !linear_before_reset_) {
          recurrent_.leftCols(2 * H).noalias() = h_ * r_d.topRows(2 * H).transpose();
        } else {
          recurrent_.noalias() = h_ * r_d.transpose();
        }
        gates_buffer_ = xw_t;
        for (int64_t n = 0; n < batch_; ++n) {
          if (t >= lengths_[static_cast<size_t>(n)]) continue;
          float* g = gates_buffer_.row(n).data();
          const float* rec = recurrent_.row(n).data();
          float* h = h_.row(n).data();
          float* c = c_.row(n).data();
          if (cell_ == Cell::lstm) step_lstm(g, rec, h, c, p_d, act);
          else if (cell_ == Cell::rnn) step_rnn(g, rec, h, act);
          else step_gru_gates(g, rec, h, act);
        }
        if (cell_ == Cell::gru && !linear_before_reset_) {
          // h̃ needs (r⊙H)·Rhᵀ: r sits in gates_buffer_'s middle block, now activated.
          for (int64_t n = 0; n < batch_; ++n)
            for (int64_t k = 0; k < H; ++k) gates_buffer_(n, H + k) *= h_(n, k);
          recurrent_.rightCols(H).noalias() = gates_buffer_.middleCols(H, H) * r_d.bottomRows(H).transpose();
          for (int64_t n = 0; n < batch_; ++n)
            if (t < lengths_[static_cast<size_t>(n)]) finish_gru(gates_buffer_.row(n).data(), recurrent_.row(n).data() + 2 * H, h_.row(n).data(), act);
        }
        if (y) {
          for (int64_t n = 0; n < batch_; ++n) {
            if (t >= lengths_[static_cast<size_t>(n)]) continue;
            float* dst = y + (batch_first_ ? ((n * seq_ + t) * directions_ + d) * H : ((t * directions_ + d) * batch_ + n) * H);
            std::memcpy(dst, h_.row(n).data(), static_cast<size_t>(H) * sizeof(float));
          }
        }
      }
      for (int64_t n = 0; n < batch_; ++n) {
        if (y_h) std::memcpy(y_h + state_offset + n * state_stride, h_.row(n).data(), static_cast<size_t>(H) * sizeof(float));
        if (y_c) std::memcpy(y_c + state_offset + n * state_stride, c_.row(n).data(), static_cast<size_t>(H) * sizeof(float));
      }
    }
  }

 private:
  void clip(float* p, int64_t n) const {
    if (clip_ > 0)
      for (int64_t i = 0; i < n; ++i) p[i] = std::clamp(p[i], -clip_, clip_);
  }

  // One LSTM step for one batch row. g: X·Wᵀ + biases in gate order i, o, f, c.
  void step_lstm(float* g, const float* rec, float* h, float* c, const float* p, const Activation* act) const {
    const int64_t H = hidden_;
    for (int64_t k = 0; k < 4 * H; ++k) g[k] += rec[k];
    float* i_gate = g;
    float* o_gate = g + H;
    float* f_gate = g + 2 * H;
    float* c_gate = g + 3 * H;
    if (p)
      for (int64_t k = 0; k < H; ++k) {
        i_gate[k] += p[k] * c[k];
        f_gate[k] += p[2 * H + k] * c[k];
      }
    clip(i_gate, H);
    act[0].apply(i_gate, H);
    if (input_forget_) {
      for (int64_t k = 0; k < H; ++k) f_gate[k] = 1.0f - i_gate[k];
    } else {
      clip(f_gate, H);
      act[0].apply(f_gate, H);
    }
    clip(c_gate, H);
    act[1].apply(c_gate, H);
    for (int64_t k = 0; k < H; ++k) c[k] = f_gate[k] * c[k] + i_gate[k] * c_gate[k];
    if (p)
      for (int64_t k = 0; k < H; ++k) o_gate[k] += p[H + k] * c[k];
    clip(o_gate, H);
    act[0].apply(o_gate, H);
    for (int64_t k = 0; k < H; ++k) h[k] = c[k];
    act[2].apply(h, H);
    for (int64_t k = 0; k < H; ++k) h[k] *= o_gate[k];
  }

  void step_rnn(float* g, const float* rec, float* h, const Activation* act) const {
    for (int64_t k = 0; k < hidden_; ++k) g[k] += rec[k];
    clip(g, hidden_);
    act[0].apply(g, hidden_);
    std::memcpy(h, g, static_cast<size_t>(hidden_) * sizeof(float));
  }

  // GRU z and r gates (in place in g's first two blocks); with linear_before_reset also h̃
  // and the new state, since H·Rhᵀ is already in rec.
  void step_gru_gates(float* g, const float* rec, float* h, const Activation* act) const {
    const int64_t H = hidden_;
    for (int64_t k = 0; k < 2 * H; ++k) g[k] += rec[k];
    clip(g, 2 * H);
    act[0].apply(g, 2 * H);
    if (!linear_before_reset_) return;
    float* h_gate = g + 2 * H;
    for (int64_t k = 0; k < H; ++k) h_gate[k] += g[H + k] * (rec[2 * H + k] + recurrent_bias_[k]);
    clip(h_gate, H);
    act[1].apply(h_gate, H);
    for (int64_t k = 0; k < H; ++k) h[k] = (1 - g[k]) * h_gate[k] + g[k] * h[k];
  }

  // GRU without linear_before_reset: h̃ = g(xw_h + (r⊙H)·Rhᵀ), then the new state.
  void finish_gru(float* g, const float* rh, float* h, const Activation* act) const {
    const int64_t H = hidden_;
    float* h_gate = g + 2 * H;
    for (int64_t k = 0; k < H; ++k) h_gate[k] += rh[k];
    clip(h_gate, H);
    act[1].apply(h_gate, H);
    for (int64_t k = 0; k < H; ++k) h[k] = (1 - g[k]) * h_gate[k] + g[k] * h[k];
  }

  CpuContext& context_;
  Cell cell_;
  std::unique_ptr<DnnlRecurrent> dnnl_;  // set when oneDNN computes this node exactly
  bool batch_first_ = false, reverse_only_ = false, input_forget_ = false, linear_before_reset_ = false;
  int64_t seq_ = 0, batch_ = 0, input_size_ = 0, directions_ = 1, gates_ = 1, hidden_ = 0;
  float clip_ = 0;
  std::vector<Activation> activations_;
  std::vector<int64_t> lengths_;
  RowMatrix xw_, gates_buffer_, recurrent_, h_, c_;
  Eigen::VectorXf bias_, recurrent_bias_;
};

}  // namespace

std::unique_ptr<Kernel> make_LSTM(CpuContext& context) { return std::make_unique<RecurrentKernel>(context, Cell::lstm); }
std::unique_ptr<Kernel> make_GRU(CpuContext& context) { return std::make_unique<RecurrentKernel>(context, Cell::gru); }
std::unique_ptr<Kernel> make_RNN(CpuContext& context) { return std::make_unique<RecurrentKernel>(context, Cell::rnn); }

}  // namespace runtime::cpu
