// Unit cases for runtime/cpu/rnn.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
// Hidden and input sizes are 1, so every expected value is the spec's formula written out.
#include <cmath>

#include "runtime/cpu/rnn_dnnl.h"
#include "tests/ir/graph_test_util.h"
#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_i;
using test::attr_s;
using test::check_close;
using test::f32;
using test::none;
using test::run_node;

namespace {
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
test::Value i32(std::vector<int64_t> shape, std::vector<double> values) { return {ir::DType::int32, std::move(shape), std::move(values)}; }
}  // namespace

TEST_CASE("RNN forward with bias and sequence_lens") {
  // X [seq 2, batch 2, 1]; W 0.5, R -1, Wb 0.1 + Rb 0.2; batch 1 stops after one step.
  auto out = run_node("RNN", {f32({2, 2, 1}, {1, 2, 0.5, -1}), f32({1, 1, 1}, {0.5}), f32({1, 1, 1}, {-1}), f32({1, 2}, {0.1, 0.2}), i32({2}, {2, 1})},
                      {{"hidden_size", attr_i(1)}}, 2, {4});
  const double h00 = std::tanh(0.5 * 1 + 0.3), h01 = std::tanh(0.5 * 2 + 0.3);
  const double h10 = std::tanh(0.5 * 0.5 - h00 + 0.3);
  CHECK(out[0].shape == std::vector<int64_t>{2, 1, 2, 1});
  check_close(out[0].values, {h00, h01, h10, 0});
  CHECK(out[1].shape == std::vector<int64_t>{1, 2, 1});
  check_close(out[1].values, {h10, h01});
}

TEST_CASE("RNN bidirectional with initial_h and sequence_lens") {
  // Forward W 0.5 R -1; reverse W 1 R 0.5; initial_h fwd [0.1, 0.2], rev [0.3, -0.3].
  auto out = run_node("RNN",
                      {f32({2, 2, 1}, {1, 2, 0.5, -1}), f32({2, 1, 1}, {0.5, 1}), f32({2, 1, 1}, {-1, 0.5}), none(), i32({2}, {2, 1}),
                       f32({2, 2, 1}, {0.1, 0.2, 0.3, -0.3})},
                      {{"hidden_size", attr_i(1)}, {"direction", attr_s("bidirectional")}}, 2, {4});
  const double f0_b0 = std::tanh(0.5 * 1 - 0.1), f1_b0 = std::tanh(0.5 * 0.5 - f0_b0), f0_b1 = std::tanh(0.5 * 2 - 0.2);
  // The reverse direction starts at each sequence's own last step.
  const double r1_b0 = std::tanh(1.0 * 0.5 + 0.5 * 0.3), r0_b0 = std::tanh(1.0 * 1 + 0.5 * r1_b0), r0_b1 = std::tanh(1.0 * 2 + 0.5 * -0.3);
  CHECK(out[0].shape == std::vector<int64_t>{2, 2, 2, 1});
  check_close(out[0].values, {f0_b0, f0_b1, r0_b0, r0_b1, f1_b0, 0, r1_b0, 0});
  check_close(out[1].values, {f1_b0, f0_b1, r0_b0, r0_b1});
}

TEST_CASE("LSTM with peepholes, forget bias, initial state; Y_c") {
  // Gates i, o, f, c: W [0.5, 1, -0.5, 2], R [0.1, 0.2, 0.3, 0.4], Wbf = 1, P (i, o, f) = [0.5, 0.25, -0.5].
  auto out = run_node("LSTM",
                      {f32({2, 1, 1}, {1, 2}), f32({1, 4, 1}, {0.5, 1, -0.5, 2}), f32({1, 4, 1}, {0.1, 0.2, 0.3, 0.4}),
                       f32({1, 8}, {0, 0, 1, 0, 0, 0, 0, 0}), none(), f32({1, 1, 1}, {0.2}), f32({1, 1, 1}, {1}), f32({1, 3}, {0.5, 0.25, -0.5})},
                      {{"hidden_size", attr_i(1)}}, 3);
  double h = 0.2, c = 1;
  std::vector<double> y;
  for (double x : {1.0, 2.0}) {
    const double i = sigmoid(0.5 * x + 0.1 * h + 0.5 * c);
    const double f = sigmoid(-0.5 * x + 0.3 * h + 1 - 0.5 * c);
    const double g = std::tanh(2 * x + 0.4 * h);
    c = f * c + i * g;
    const double o = sigmoid(1 * x + 0.2 * h + 0.25 * c);
    h = o * std::tanh(c);
    y.push_back(h);
  }
  CHECK(out[0].shape == std::vector<int64_t>{2, 1, 1, 1});
  check_close(out[0].values, y);
  check_close(out[1].values, {h});
  check_close(out[2].values, {c});
}

TEST_CASE("LSTM clip and input_forget") {
  // One step, x = 3, W i=1 o=1 f=(unused) c=1, no R: pre-activations 3 clip to 1; f = 1 - i.
  auto out = run_node("LSTM", {f32({1, 1, 1}, {3}), f32({1, 4, 1}, {1, 1, 5, 1}), f32({1, 4, 1}, {0, 0, 0, 0})},
                      {{"hidden_size", attr_i(1)}, {"clip", test::attr_f(1)}, {"input_forget", attr_i(1)}}, 3);
  const double i = sigmoid(1), c = i * std::tanh(1.0), h = sigmoid(1) * std::tanh(c);
  check_close(out[0].values, {h});
  check_close(out[2].values, {c});
}

namespace {
// One GRU step per the spec (z, r, h gates), W [0.5, -0.5, 1], R [0.2, 0.3, -0.4],
// Wb [0.1, 0, 0.2], Rb [0, 0.1, 0.3].
double gru_step(double x, double h, bool linear_before_reset) {
  const double z = sigmoid(0.5 * x + 0.2 * h + 0.1);
  const double r = sigmoid(-0.5 * x + 0.3 * h + 0.1);
  const double candidate = linear_before_reset ? std::tanh(x + r * (-0.4 * h + 0.3) + 0.2) : std::tanh(x + -0.4 * (r * h) + 0.3 + 0.2);
  return (1 - z) * candidate + z * h;
}
}  // namespace

TEST_CASE("GRU reverse, layout 1, with and without linear_before_reset") {
  for (int lbr : {0, 1}) {
    CAPTURE(lbr);
    // Layout 1: X [batch 1, seq 2, 1]; Y [batch, seq, dirs, hidden].
    auto out = run_node("GRU", {f32({1, 2, 1}, {1, -1}), f32({1, 3, 1}, {0.5, -0.5, 1}), f32({1, 3, 1}, {0.2, 0.3, -0.4}), f32({1, 6}, {0.1, 0, 0.2, 0, 0.1, 0.3})},
                        {{"hidden_size", attr_i(1)}, {"direction", attr_s("reverse")}, {"layout", attr_i(1)}, {"linear_before_reset", attr_i(lbr)}}, 2);
    const double after_t1 = gru_step(-1, 0, lbr != 0);
    const double after_t0 = gru_step(1, after_t1, lbr != 0);
    CHECK(out[0].shape == std::vector<int64_t>{1, 2, 1, 1});
    check_close(out[0].values, {after_t0, after_t1});
    CHECK(out[1].shape == std::vector<int64_t>{1, 1, 1});
    check_close(out[1].values, {after_t0});
  }
}

TEST_CASE("RNN with Relu activation, hidden 2, Y_h only") {
  // W [[1], [-1]], R = I, no bias; x = 2 then 1: h1 = relu([2, -2]) = [2, 0]; h2 = relu([1+2, -1+0]) = [3, 0].
  auto out = run_node("RNN", {f32({2, 1, 1}, {2, 1}), f32({1, 2, 1}, {1, -1}), f32({1, 2, 2}, {1, 0, 0, 1})},
                      {{"hidden_size", attr_i(2)}, {"activations", [] { ir::Attribute a; a.kind = ir::Attribute::Kind::strings; a.strings = {"Relu"}; return a; }()}}, 2);
  check_close(out[0].values, {2, 0, 3, 0});
  check_close(out[1].values, {3, 0});
}

namespace {

std::vector<double> wave(size_t n, double phase) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 0.6 * std::sin(0.7 * static_cast<double>(i) + phase);
  return v;
}

// A bidirectional layer, seq 6, batch 3, input 4, hidden 5, with bias and initial state; the
// weights are constants (as exported), so oneDNN's primitive runs it unless sequence_lens is a
// run-time input, which sends it down the Eigen path (every sequence still full length).
std::vector<test::Result> run_layer(const std::string& op, ir::Attributes attributes, bool eigen) {
  const int64_t gates = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1, seq = 6, batch = 3, input = 4, hidden = 5;
  attributes["hidden_size"] = attr_i(hidden);
  attributes["direction"] = attr_s("bidirectional");
  std::vector<test::Value> inputs = {
      f32({seq, batch, input}, wave(seq * batch * input, 0.0)),        f32({2, gates * hidden, input}, wave(2 * gates * hidden * input, 1.0)),
      f32({2, gates * hidden, hidden}, wave(2 * gates * hidden * hidden, 2.0)), f32({2, 2 * gates * hidden}, wave(4 * gates * hidden, 3.0)),
      i32({batch}, {6, 6, 6}),                                          f32({2, batch, hidden}, wave(2 * batch * hidden, 4.0))};
  if (op == "LSTM") inputs.push_back(f32({2, batch, hidden}, wave(2 * batch * hidden, 5.0)));
  const std::set<size_t> constants = eigen ? std::set<size_t>{1, 2, 3} : std::set<size_t>{1, 2, 3, 4};
  return run_node(op, inputs, std::move(attributes), op == "LSTM" ? 3 : 2, constants);
}

void check_paths_agree(const std::string& op, const ir::Attributes& attributes) {
  const auto onednn = run_layer(op, attributes, false);
  const auto eigen = run_layer(op, attributes, true);
  REQUIRE(onednn.size() == eigen.size());
  for (size_t o = 0; o < onednn.size(); ++o) {
    CAPTURE(o);
    CHECK(onednn[o].shape == eigen[o].shape);
    check_close(onednn[o].values, eigen[o].values, 1e-4);
  }
}

}  // namespace

TEST_CASE("oneDNN's RNN primitives agree with the Eigen path: bidirectional, initial state, bias") {
  SUBCASE("LSTM") { check_paths_agree("LSTM", {}); }
  SUBCASE("GRU") { check_paths_agree("GRU", {}); }
  SUBCASE("GRU linear_before_reset") { check_paths_agree("GRU", {{"linear_before_reset", attr_i(1)}}); }
  SUBCASE("RNN Relu") { check_paths_agree("RNN", {{"activations", test::attr_strings({"Relu", "Relu"})}}); }
}

TEST_CASE("which recurrent nodes oneDNN takes: exported defaults yes; clip, peepholes, short sequences no") {
  auto build = [](ir::Attributes attributes, bool peephole, int64_t length) {
    ir::GraphBuilder b("lstm.onnx");
    b.set_versions(8, 17);
    b.add_input("x", ir::DType::float32, test::dims({"2", "1", "3"}));
    b.add_initializer("w", ir::TensorData::from_doubles(ir::DType::float32, {1, 8, 3}, wave(24, 0.0)));
    b.add_initializer("r", ir::TensorData::from_doubles(ir::DType::float32, {1, 8, 2}, wave(16, 1.0)));
    b.add_initializer("lens", ir::TensorData::from_int64s(ir::DType::int32, {1}, {length}));
    b.add_initializer("p", ir::TensorData::from_doubles(ir::DType::float32, {1, 6}, wave(6, 2.0)));
    attributes["hidden_size"] = attr_i(2);
    b.add_node(test::node("lstm", "LSTM", {"x", "w", "r", "", "lens", "", "", peephole ? "p" : ""}, {"y"}, attributes));
    b.add_output("y", ir::DType::float32, std::nullopt);
    ir::Graph g = std::move(b).build();
    ir::resolve_shapes(g, {}, "lstm.onnx");
    return g;
  };
  runtime::cpu::CpuContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}, 1, {}, {}};
  context.stream = dnnl::stream(context.engine);
  auto takes = [&](const ir::Graph& g) { return runtime::cpu::DnnlRecurrent::create(context, g, g.nodes[0], runtime::cpu::RecurrentCell::lstm) != nullptr; };
  CHECK(takes(build({}, false, 2)));
  CHECK_FALSE(takes(build({{"clip", test::attr_f(1.0f)}}, false, 2)));
  CHECK_FALSE(takes(build({}, true, 2)));
  CHECK_FALSE(takes(build({}, false, 1)));
  CHECK_FALSE(takes(build({{"layout", attr_i(1)}}, false, 2)));
}
