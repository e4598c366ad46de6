// Unit cases for runtime/cpu/normalization.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include <cmath>

#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_f;
using test::attr_i;
using test::check_close;
using test::f32;
using test::none;
using test::run_node;

TEST_CASE("BatchNormalization: inference with running statistics, rank 3 and rank 2") {
  // y = (x - mean) / sqrt(var) * scale + B per channel, epsilon 0.
  const auto scale = f32({2}, {1, 2}), bias = f32({2}, {0, 1}), mean = f32({2}, {2, 3}), var = f32({2}, {4, 1});
  auto rank3 = run_node("BatchNormalization", {f32({2, 2, 1}, {1, 2, 3, 4}), scale, bias, mean, var}, {{"epsilon", attr_f(0.0f)}}, 1, {1, 2, 3, 4});
  CHECK(rank3[0].shape == std::vector<int64_t>{2, 2, 1});
  check_close(rank3[0].values, {-0.5, -1, 0.5, 3});
  auto rank2 = run_node("BatchNormalization", {f32({2, 2}, {1, 2, 3, 4}), scale, bias, mean, var}, {{"epsilon", attr_f(0.0f)}});
  check_close(rank2[0].values, {-0.5, -1, 0.5, 3});
}

TEST_CASE("BatchNormalization: training mode uses the batch and updates the running statistics") {
  auto out = run_node("BatchNormalization", {f32({2, 1}, {1, 3}), f32({1}, {1}), f32({1}, {0}), f32({1}, {0}), f32({1}, {1})},
                      {{"epsilon", attr_f(0.0f)}, {"momentum", attr_f(0.5f)}, {"training_mode", attr_i(1)}}, 3);
  check_close(out[0].values, {-1, 1});  // batch mean 2, variance 1
  check_close(out[1].values, {1});      // 0 * 0.5 + 2 * 0.5
  check_close(out[2].values, {1});      // 1 * 0.5 + 1 * 0.5
}

TEST_CASE("InstanceNormalization: each (n, c) plane on its own") {
  auto out = run_node("InstanceNormalization", {f32({1, 2, 2}, {1, 3, 10, 10}), f32({2}, {2, 1}), f32({2}, {0, 5})});
  CHECK(out[0].shape == std::vector<int64_t>{1, 2, 2});
  const double g = 2.0 / std::sqrt(1.0 + 1e-5);
  check_close(out[0].values, {-g, g, 5, 5});  // a constant plane normalises to 0, leaving B
}

TEST_CASE("LayerNormalization: last axis with Mean and InvStdDev outputs") {
  auto out = run_node("LayerNormalization", {f32({2, 2}, {1, 3, 2, 2}), f32({2}, {2, 3}), f32({2}, {1, 1})}, {}, 3);
  const double inv = 1.0 / std::sqrt(1.0 + 1e-5);
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  check_close(out[0].values, {1 - 2 * inv, 1 + 3 * inv, 1, 1});
  CHECK(out[1].shape == std::vector<int64_t>{2, 1});
  check_close(out[1].values, {2, 2});
  check_close(out[2].values, {inv, 1.0 / std::sqrt(1e-5)}, 1e-4);
}

TEST_CASE("LayerNormalization: negative axis over two dims, Scale broadcast, no B") {
  // One row [0, 2, 4, 6]: mean 3, variance 5; Scale [1, 2] repeats along the last dim.
  const double s = 1.0 / std::sqrt(5.0);
  for (int64_t axis : {1, -2}) {
    auto out = run_node("LayerNormalization", {f32({1, 2, 2}, {0, 2, 4, 6}), f32({2}, {1, 2})}, {{"axis", attr_i(axis)}, {"epsilon", attr_f(0.0f)}}, 1, {1});
    CHECK(out[0].shape == std::vector<int64_t>{1, 2, 2});
    check_close(out[0].values, {-3 * s, -2 * s, s, 6 * s});
  }
}

TEST_CASE("LayerNormalization: Y only, one row") {
  auto out = run_node("LayerNormalization", {f32({1, 4}, {1, 1, 3, 3}), f32({4}, {1, 1, 1, 1})}, {{"epsilon", attr_f(0.0f)}}, 1);
  check_close(out[0].values, {-1, -1, 1, 1});
}
