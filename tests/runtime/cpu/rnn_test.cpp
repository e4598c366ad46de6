// Unit cases for runtime/cpu/rnn.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
// Hidden and input sizes are 1, so every expected value is the spec's formula written out.
#include <cmath>

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
