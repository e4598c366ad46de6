// Unit cases for runtime/cpu/conv.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "ir/error.h"
#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_i;
using test::attr_ints;
using test::attr_s;
using test::check_close;
using test::f32;
using test::run_node;

namespace {
const std::vector<double> iota9 = {0, 1, 2, 3, 4, 5, 6, 7, 8};
}

TEST_CASE("Conv: 2x2 ones over a 3x3 ramp, weights as a run-time input") {
  auto out = run_node("Conv", {f32({1, 1, 3, 3}, iota9), f32({1, 1, 2, 2}, {1, 1, 1, 1})});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 2, 2});
  check_close(out[0].values, {8, 12, 20, 24});
}

TEST_CASE("Conv: pads 1, strides 2, bias; constant weights are reordered once") {
  auto out = run_node("Conv", {f32({1, 1, 3, 3}, iota9), f32({1, 1, 3, 3}, std::vector<double>(9, 1.0)), f32({1}, {0.5})},
                      {{"pads", attr_ints({1, 1, 1, 1})}, {"strides", attr_ints({2, 2})}}, 1, {1, 2});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 2, 2});
  // Each output sums the 2x2 corner of the input that the padded 3x3 window covers.
  check_close(out[0].values, {8.5, 12.5, 20.5, 24.5});
}

TEST_CASE("Conv: depthwise 1-D (group == channels)") {
  auto out = run_node("Conv", {f32({1, 2, 4}, {1, 2, 3, 4, 10, 20, 30, 40}), f32({2, 1, 2}, {1, -1, 2, 0})},
                      {{"group", attr_i(2)}}, 1, {1});
  CHECK(out[0].shape == std::vector<int64_t>{1, 2, 3});
  check_close(out[0].values, {-1, -1, -1, 20, 40, 60});
}

TEST_CASE("Conv: two groups of two channels on a size-1 spatial dim") {
  auto out = run_node("Conv", {f32({1, 4, 1}, {1, 2, 3, 4}), f32({2, 2, 1}, {1, 10, 100, 1000})}, {{"group", attr_i(2)}});
  CHECK(out[0].shape == std::vector<int64_t>{1, 2, 1});
  check_close(out[0].values, {21, 4300});
}

TEST_CASE("Conv: dilation 2 and batch 2") {
  auto out = run_node("Conv", {f32({2, 1, 5}, {1, 2, 3, 4, 5, 5, 4, 3, 2, 1}), f32({1, 1, 2}, {1, -1})},
                      {{"dilations", attr_ints({2})}});
  CHECK(out[0].shape == std::vector<int64_t>{2, 1, 3});
  check_close(out[0].values, {-2, -2, -2, 2, 2, 2});  // x[i] - x[i + 2]
}

TEST_CASE("Conv: auto_pad SAME_UPPER pads at the end, SAME_LOWER at the start") {
  const auto x = f32({1, 1, 4}, {1, 2, 3, 4});
  const auto w = f32({1, 1, 2}, {1, 1});
  auto upper = run_node("Conv", {x, w}, {{"auto_pad", attr_s("SAME_UPPER")}});
  CHECK(upper[0].shape == std::vector<int64_t>{1, 1, 4});
  check_close(upper[0].values, {3, 5, 7, 4});
  auto lower = run_node("Conv", {x, w}, {{"auto_pad", attr_s("SAME_LOWER")}});
  check_close(lower[0].values, {1, 3, 5, 7});
  auto valid = run_node("Conv", {x, w}, {{"auto_pad", attr_s("VALID")}, {"strides", attr_ints({2})}});
  CHECK(valid[0].shape == std::vector<int64_t>{1, 1, 2});
  check_close(valid[0].values, {3, 7});
}

TEST_CASE("Conv: 3-D with every spatial dim 2 and two output channels") {
  std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<double> w(16, 1.0);
  for (size_t i = 8; i < 16; ++i) w[i] = -1.0;
  auto out = run_node("Conv", {f32({1, 1, 2, 2, 2}, x), f32({2, 1, 2, 2, 2}, w), f32({2}, {1, 2})}, {}, 1, {1});
  CHECK(out[0].shape == std::vector<int64_t>{1, 2, 1, 1, 1});
  check_close(out[0].values, {37, -34});
}

TEST_CASE("ConvTranspose: 1-D, stride 1, each input spreads over the kernel") {
  auto out = run_node("ConvTranspose", {f32({1, 1, 3}, {1, 2, 3}), f32({1, 1, 3}, {1, 1, 1})});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 5});
  check_close(out[0].values, {1, 3, 6, 5, 3});
}

TEST_CASE("ConvTranspose: pads crop both ends") {
  auto out = run_node("ConvTranspose", {f32({1, 1, 3}, {1, 2, 3}), f32({1, 1, 3}, {1, 1, 1})}, {{"pads", attr_ints({1, 1})}}, 1, {1});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 3});
  check_close(out[0].values, {3, 6, 5});
}

TEST_CASE("ConvTranspose: stride 2 with output_padding; the extra position holds only the bias") {
  auto out = run_node("ConvTranspose", {f32({1, 1, 2}, {1, 2}), f32({1, 1, 2}, {1, 1}), f32({1}, {10})},
                      {{"strides", attr_ints({2})}, {"output_padding", attr_ints({1})}}, 1, {1, 2});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 5});
  check_close(out[0].values, {11, 11, 12, 12, 10});
}

TEST_CASE("ConvTranspose: output_shape larger than the natural size") {
  auto out = run_node("ConvTranspose", {f32({1, 1, 2}, {1, 2}), f32({1, 1, 2}, {1, 1})},
                      {{"strides", attr_ints({2})}, {"output_shape", attr_ints({6})}});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 6});
  check_close(out[0].values, {1, 1, 2, 2, 0, 0});
}

TEST_CASE("ConvTranspose: ONNX weight layout [C, M/group, k]") {
  // Two input channels into one output channel: W[c, 0] scales channel c.
  auto in2 = run_node("ConvTranspose", {f32({1, 2, 1}, {1, 2}), f32({2, 1, 1}, {10, 100})}, {}, 1, {1});
  CHECK(in2[0].shape == std::vector<int64_t>{1, 1, 1});
  check_close(in2[0].values, {210});
  // One input channel into two outputs.
  auto out2 = run_node("ConvTranspose", {f32({1, 1, 1}, {3}), f32({1, 2, 1}, {1, 2})});
  CHECK(out2[0].shape == std::vector<int64_t>{1, 2, 1});
  check_close(out2[0].values, {3, 6});
  // Two groups: channel g feeds output g through W[g].
  auto grouped = run_node("ConvTranspose", {f32({1, 2, 2}, {1, 2, 3, 4}), f32({2, 1, 2}, {1, 2, 10, 20})}, {{"group", attr_i(2)}});
  CHECK(grouped[0].shape == std::vector<int64_t>{1, 2, 3});
  check_close(grouped[0].values, {1, 4, 4, 30, 100, 80});
}

TEST_CASE("ConvTranspose: 2-D stride 2, kernel 2 tiles the input") {
  auto out = run_node("ConvTranspose", {f32({1, 1, 2, 2}, {1, 2, 3, 4}), f32({1, 1, 2, 2}, {1, 1, 1, 1})}, {{"strides", attr_ints({2, 2})}});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 4, 4});
  check_close(out[0].values, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
}

TEST_CASE("Conv: non-float32 is refused as unsupported") {
  test::Value x{ir::DType::float64, {1, 1, 2}, {1, 2}};
  test::Value w{ir::DType::float64, {1, 1, 1}, {1}};
  CHECK_THROWS_AS(run_node("Conv", {x, w}), ir::Error);
}
