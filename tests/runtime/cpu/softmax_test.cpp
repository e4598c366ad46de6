// Unit cases for runtime/cpu/softmax.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include <cmath>

#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_i;
using test::check_close;
using test::f32;
using test::run_node;

namespace {
const double ln3 = std::log(3.0);
}

TEST_CASE("Softmax: default axis is the last one (opset 13+)") {
  auto out = run_node("Softmax", {f32({2, 2}, {0, ln3, 1, 1})});
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  check_close(out[0].values, {0.25, 0.75, 0.5, 0.5});
}

TEST_CASE("Softmax: axis 0 over a size-1 middle dim") {
  auto out = run_node("Softmax", {f32({2, 1, 2}, {0, 0, ln3, 0})}, {{"axis", attr_i(0)}});
  check_close(out[0].values, {0.25, 0.5, 0.75, 0.5});
}

TEST_CASE("LogSoftmax: negative axis") {
  auto out = run_node("LogSoftmax", {f32({1, 2}, {0, ln3})}, {{"axis", attr_i(-1)}});
  check_close(out[0].values, {std::log(0.25), std::log(0.75)});
}

TEST_CASE("Softmax: before opset 13, axis coerces the input to 2-D") {
  const auto x = f32({2, 2}, {0, ln3, 0, 0});
  // Opset 11, axis 0: one row of all four values (sum of exps 6).
  auto old = run_node("Softmax", {x}, {{"axis", attr_i(0)}}, 1, {}, 11);
  check_close(old[0].values, {1.0 / 6, 0.5, 1.0 / 6, 1.0 / 6});
  // Opset 13, axis 0: per column.
  auto now = run_node("Softmax", {x}, {{"axis", attr_i(0)}}, 1, {}, 13);
  check_close(now[0].values, {0.5, 0.75, 0.5, 0.25});
  // Opset 11's default axis 1 on [1, 2, 2]: one row of four.
  auto rank3 = run_node("LogSoftmax", {f32({1, 2, 2}, {0, ln3, 0, 0})}, {}, 1, {}, 11);
  check_close(rank3[0].values, {std::log(1.0 / 6), std::log(0.5), std::log(1.0 / 6), std::log(1.0 / 6)});
}
