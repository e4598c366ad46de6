#include "runtime/cpu/rnn_dnnl.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

#include <omp.h>

#include "runtime/cpu/dnnl_step.h"

namespace runtime::cpu {

namespace {

using dnnl::memory;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The activations oneDNN's cell computes: LSTM sigmoid/tanh/tanh and GRU sigmoid/tanh (the
// ONNX defaults); a vanilla RNN's single one, the same in both directions. Nullopt otherwise.
std::optional<dnnl::algorithm> cell_activation(const ir::Node& node, RecurrentCell cell, int64_t directions) {
  if (find_attr(node, "activation_alpha") || find_attr(node, "activation_beta")) return std::nullopt;
  std::vector<std::string> names;
  if (const ir::Attribute* a = find_attr(node, "activations")) names = a->kind == ir::Attribute::Kind::string ? std::vector<std::string>{a->s} : a->strings;
  for (auto& n : names) n = lower(n);
  if (cell == RecurrentCell::rnn) {
    const std::string first = names.empty() ? "tanh" : names[0];
    for (const auto& n : names)
      if (n != first) return std::nullopt;
    if (first == "tanh") return dnnl::algorithm::eltwise_tanh;
    if (first == "relu") return dnnl::algorithm::eltwise_relu;
    if (first == "sigmoid") return dnnl::algorithm::eltwise_logistic;
    return std::nullopt;
  }
  std::vector<std::string> expected = cell == RecurrentCell::lstm ? std::vector<std::string>{"sigmoid", "tanh", "tanh"}
                                                                 : std::vector<std::string>{"sigmoid", "tanh"};
  if (names.empty() || names == expected) return dnnl::algorithm::undef;
  const auto once = expected;
  for (int64_t d = 1; d < directions; ++d) expected.insert(expected.end(), once.begin(), once.end());
  return names == expected ? std::optional<dnnl::algorithm>(dnnl::algorithm::undef) : std::nullopt;
}

// While alive (and `active`), parallel regions opened on this thread use one thread; the
// device's thread count comes back after. oneDNN's OpenMP runtime reads it per primitive.
class ThreadLimit {
 public:
  explicit ThreadLimit(bool active) : previous_(active ? omp_get_max_threads() : 0) {
    if (active) omp_set_num_threads(1);
  }
  ~ThreadLimit() {
    if (previous_ > 0) omp_set_num_threads(previous_);
  }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int previous_;
};

class DnnlRecurrentImpl final : public DnnlRecurrent {
 public:
  DnnlRecurrentImpl(CpuContext& context, RecurrentCell cell) : context_(context), cell_(cell) {}

  void prepare(const ir::Graph& graph, const ir::Node& node, dnnl::algorithm activation) {
    const auto& x = input_info(graph, node, 0).shape;
    seq_ = x[0];
    batch_ = x[1];
    const int64_t input_size = x[2];
    const std::string direction = attr_string(node, "direction", "forward");
    directions_ = direction == "bidirectional" ? 2 : 1;
    const int64_t gates = cell_ == RecurrentCell::lstm ? 4 : cell_ == RecurrentCell::gru ? 3 : 1;
    hidden_ = input_info(graph, node, 1).shape[1] / gates;
    const bool lbr = cell_ == RecurrentCell::gru && attr_int(node, "linear_before_reset", 0) != 0;
    has_initial_h_ = node.has_input(5);
    has_initial_c_ = cell_ == RecurrentCell::lstm && node.has_input(6);
    has_y_ = node.has_output(0);
    has_y_h_ = node.has_output(1);
    has_y_c_ = cell_ == RecurrentCell::lstm && node.has_output(2);
    const int64_t H = hidden_, N = batch_, D = directions_, G = gates;
    // oneDNN's bidirectional_concat output is [T, N, D*H], ONNX's Y [T, D, N, H]: the same
    // bytes for one direction or a batch of one, otherwise copied over after each run.
    if (!has_y_ || (D == 2 && N > 1)) layer_scratch_.resize(static_cast<size_t>(seq_ * N * D * H));

    // oneDNN gate k is ONNX gate map[k] (see rnn.cpp): LSTM i,f,c,o from ONNX i,o,f,c.
    const std::vector<int64_t> map = cell_ == RecurrentCell::lstm ? std::vector<int64_t>{0, 2, 3, 1}
                                     : cell_ == RecurrentCell::gru ? std::vector<int64_t>{0, 1, 2}
                                                                   : std::vector<int64_t>{0};
    const auto* w = static_cast<const float*>(constant_data(graph, node, 1));
    const auto* r = static_cast<const float*>(constant_data(graph, node, 2));
    const auto* b = static_cast<const float*>(constant_data(graph, node, 3));
    const auto dir = D == 2 ? dnnl::rnn_direction::bidirectional_concat
                     : direction == "reverse" ? dnnl::rnn_direction::unidirectional_right2left
                                              : dnnl::rnn_direction::unidirectional_left2right;
    // initial_h / Y_h / Y_c [D, N, H] are oneDNN's ldnc with L = 1.
    const memory::desc state_md = plain_desc({1, D, N, H}), none;
    const memory::desc src_iter = has_initial_h_ ? state_md : none, src_iter_c = has_initial_c_ ? state_md : none;
    const memory::desc dst_iter = has_y_h_ ? state_md : none, dst_iter_c = has_y_c_ ? state_md : none;
    const memory::desc src_layer = plain_desc({seq_, N, input_size}), dst_layer = plain_desc({seq_, N, D * H});
    auto weights_any = [&](int64_t in) { return memory::desc({1, D, in, G, H}, memory::data_type::f32, memory::format_tag::any); };
    const memory::desc bias_md = plain_desc({1, D, lbr ? G + 1 : G, H});
    const auto prop = dnnl::prop_kind::forward_inference;
    // A small cell (one step's products under ~256k multiply-adds) runs on one thread: splitting
    // it costs a barrier per time step, more than the work (a 16-step LSTM of 32 units took
    // 80 us on two threads, 46 us on one).
    single_thread_ = N * G * H * (H + input_size) < (int64_t{1} << 18);
    const ThreadLimit limit(single_thread_);
    with_dnnl_errors(node, [&] {
      const auto attr = user_scratchpad_attr();
      memory::desc chosen_layer, chosen_iter;
      auto finish = [&](const auto& pd) {
        step_.create(pd, context_.engine);
        chosen_layer = pd.weights_layer_desc();
        chosen_iter = pd.weights_iter_desc();
      };
      if (cell_ == RecurrentCell::lstm) {
        dnnl::lstm_forward::desc desc(prop, dir, src_layer, src_iter, src_iter_c, weights_any(input_size), weights_any(H), bias_md, dst_layer,
                                      dst_iter, dst_iter_c);
        finish(dnnl::lstm_forward::primitive_desc(desc, attr, context_.engine));
      } else if (lbr) {
        dnnl::lbr_gru_forward::desc desc(prop, dir, src_layer, src_iter, weights_any(input_size), weights_any(H), bias_md, dst_layer, dst_iter);
        finish(dnnl::lbr_gru_forward::primitive_desc(desc, attr, context_.engine));
      } else if (cell_ == RecurrentCell::gru) {
        dnnl::gru_forward::desc desc(prop, dir, src_layer, src_iter, weights_any(input_size), weights_any(H), bias_md, dst_layer, dst_iter);
        finish(dnnl::gru_forward::primitive_desc(desc, attr, context_.engine));
      } else {
        dnnl::vanilla_rnn_forward::desc desc(prop, activation, dir, src_layer, src_iter, weights_any(input_size), weights_any(H), bias_md,
                                             dst_layer, dst_iter);
        finish(dnnl::vanilla_rnn_forward::primitive_desc(desc, attr, context_.engine));
      }
      step_.bind(DNNL_ARG_SRC_LAYER, src_layer, context_.engine);
      step_.bind(DNNL_ARG_DST_LAYER, dst_layer, context_.engine);
      if (has_initial_h_) step_.bind(DNNL_ARG_SRC_ITER, state_md, context_.engine);
      if (has_initial_c_) step_.bind(DNNL_ARG_SRC_ITER_C, state_md, context_.engine);
      if (has_y_h_) step_.bind(DNNL_ARG_DST_ITER, state_md, context_.engine);
      if (has_y_c_) step_.bind(DNNL_ARG_DST_ITER_C, state_md, context_.engine);
      step_.bind_owned(DNNL_ARG_WEIGHTS_LAYER, reorder_weights(w, input_size, map, chosen_layer));
      step_.bind_owned(DNNL_ARG_WEIGHTS_ITER, reorder_weights(r, H, map, chosen_iter));
      step_.bind_owned(DNNL_ARG_BIAS, make_bias(b, map, lbr, bias_md));
    });
  }

  int64_t owned_bytes() const override { return step_.owned_bytes() + vector_bytes(layer_scratch_); }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    float* y = has_y_ ? outputs[0]->as<float>() : nullptr;
    float* layer = layer_scratch_.empty() ? y : layer_scratch_.data();
    step_.set(DNNL_ARG_SRC_LAYER, inputs[0]->data);
    step_.set(DNNL_ARG_DST_LAYER, layer);
    if (has_initial_h_) step_.set(DNNL_ARG_SRC_ITER, inputs[5]->data);
    if (has_initial_c_) step_.set(DNNL_ARG_SRC_ITER_C, inputs[6]->data);
    if (has_y_h_) step_.set(DNNL_ARG_DST_ITER, outputs[1]->data);
    if (has_y_c_) step_.set(DNNL_ARG_DST_ITER_C, outputs[2]->data);
    {
      const ThreadLimit limit(single_thread_);
      step_.execute(context_.stream);
    }
    if (y == nullptr || layer == y) return;
    // [T, N, D, H] -> [T, D, N, H]
    const int64_t H = hidden_, N = batch_, D = directions_;
    const auto row = static_cast<size_t>(H) * sizeof(float);
    for (int64_t t = 0; t < seq_; ++t)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t d = 0; d < D; ++d) std::memcpy(y + ((t * D + d) * N + n) * H, layer + ((t * N + n) * D + d) * H, row);
  }

 private:
  // ONNX's [D, G*H, in] weights, gates permuted to oneDNN's order, reordered once into the
  // layout the primitive chose.
  memory reorder_weights(const float* onnx, int64_t in, const std::vector<int64_t>& map, const memory::desc& chosen) {
    const int64_t H = hidden_, G = static_cast<int64_t>(map.size()), D = directions_;
    std::vector<float> permuted(static_cast<size_t>(D * G * H * in));
    const auto block = static_cast<size_t>(H * in) * sizeof(float);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t k = 0; k < G; ++k)
        std::memcpy(permuted.data() + (d * G + k) * H * in, onnx + (d * G + map[static_cast<size_t>(k)]) * H * in, block);
    // Logical ldigo dims over the direction- and gate-major [D, G, H, in] buffer.
    const memory::desc md = strided_desc({1, D, in, G, H}, {D * G * H * in, G * H * in, 1, H * in, in});
    return reorder_constant(context_, md, permuted.data(), chosen);
  }

  // One bias per oneDNN gate: Wb + Rb; lbr_gru keeps Rbh apart as a fourth gate. ONNX B is
  // [D, 2*G*H] (Wb then Rb).
  memory make_bias(const float* onnx, const std::vector<int64_t>& map, bool lbr, const memory::desc& md) {
    const int64_t H = hidden_, G = static_cast<int64_t>(map.size()), D = directions_, per_direction = (lbr ? G + 1 : G) * H;
    memory bias(md, context_.engine);
    auto* out = static_cast<float*>(bias.get_data_handle());
    std::fill(out, out + md.get_size() / sizeof(float), 0.0f);
    if (onnx == nullptr) return bias;
    for (int64_t d = 0; d < D; ++d) {
      const float* wb = onnx + d * 2 * G * H;
      const float* rb = wb + G * H;
      float* o = out + d * per_direction;
      for (int64_t k = 0; k < G; ++k) {
        const int64_t g = map[static_cast<size_t>(k)];
        for (int64_t i = 0; i < H; ++i) {
          o[k * H + i] = lbr && k == 2 ? wb[g * H + i] : wb[g * H + i] + rb[g * H + i];
          if (lbr && k == 2) o[3 * H + i] = rb[g * H + i];
        }
      }
    }
    return bias;
  }

  CpuContext& context_;
  RecurrentCell cell_;
  int64_t seq_ = 0, batch_ = 0, hidden_ = 0, directions_ = 1;
  bool single_thread_ = false;
  bool has_initial_h_ = false, has_initial_c_ = false, has_y_ = false, has_y_h_ = false, has_y_c_ = false;
  DnnlStep step_;
  std::vector<float> layer_scratch_;  // oneDNN's [T, N, D*H] when Y cannot take it directly
};

}  // namespace

std::unique_ptr<DnnlRecurrent> DnnlRecurrent::create(CpuContext& context, const ir::Graph& graph, const ir::Node& node, RecurrentCell cell) {
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.has_input(i) && i != 4 && input_info(graph, node, i).dtype != ir::DType::float32) return nullptr;
  const auto& x = input_info(graph, node, 0).shape;
  if (attr_int(node, "layout", 0) != 0 || find_attr(node, "clip") != nullptr || attr_int(node, "input_forget", 0) != 0) return nullptr;
  if (x.size() != 3 || element_count(x) == 0) return nullptr;
  const std::string direction = attr_string(node, "direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") return nullptr;
  const auto activation = cell_activation(node, cell, direction == "bidirectional" ? 2 : 1);
  if (!activation) return nullptr;
  if (!constant_data(graph, node, 1) || !constant_data(graph, node, 2) || (node.has_input(3) && !constant_data(graph, node, 3))) return nullptr;
  if (cell == RecurrentCell::lstm && node.has_input(7)) return nullptr;  // peepholes
  // oneDNN takes an LSTM's hidden and cell states in pairs (both or neither).
  if (cell == RecurrentCell::lstm && (node.has_input(5) != node.has_input(6) || node.has_output(1) != node.has_output(2))) return nullptr;
  if (node.has_input(4)) {  // sequence_lens: fine only when every sequence is full length
    const ir::Tensor& lens = input_info(graph, node, 4);
    if (!lens.value) return nullptr;
    for (int64_t len : lens.value->to_int64s())
      if (len != x[0]) return nullptr;
  }
  auto kernel = std::make_unique<DnnlRecurrentImpl>(context, cell);
  kernel->prepare(graph, node, *activation);
  return kernel;
}

}  // namespace runtime::cpu
