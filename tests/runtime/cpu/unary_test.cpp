// Unit cases for runtime/cpu/unary.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include <cmath>
#include <limits>

#include "ir/error.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

using Shape = std::vector<int64_t>;

test::Value typed(ir::DType dtype, Shape shape, std::vector<double> values) { return {dtype, std::move(shape), std::move(values)}; }

// The one output of a single-input op.
test::Result unary(const std::string& op, const test::Value& x, ir::Attributes attributes = {}) {
  return test::run_node(op, {x}, std::move(attributes))[0];
}

bool refused_as_unsupported(const std::string& op, const std::vector<test::Value>& inputs, ir::Attributes attributes = {}) {
  try {
    test::run_node(op, inputs, std::move(attributes));
  } catch (const ir::Error& e) {
    return e.kind() == ir::ErrorKind::unsupported;
  }
  return false;
}

}  // namespace

TEST_CASE("Relu keeps shape with size-1 dims and zeroes negatives") {
  const auto out = unary("Relu", test::f32({2, 1, 3}, {-1, 0, 2, -3.5, 4, 0.5}));
  CHECK(out.shape == Shape{2, 1, 3});
  CHECK(out.dtype == ir::DType::float32);
  test::check_close(out.values, {0, 0, 2, 0, 4, 0.5});
}

TEST_CASE("Relu, Neg and Abs take int64 (ONNX defines them on integers)") {
  const auto relu = unary("Relu", test::i64({3}, {-3, 0, 5}));
  CHECK(relu.dtype == ir::DType::int64);
  CHECK(relu.values == std::vector<double>{0, 0, 5});
  CHECK(unary("Neg", test::i64({2}, {4, -9})).values == std::vector<double>{-4, 9});
  CHECK(unary("Abs", typed(ir::DType::int32, {3}, {-2, 0, 7})).values == std::vector<double>{2, 0, 7});
}

TEST_CASE("math functions on float32") {
  test::check_close(unary("Sqrt", test::f32({3}, {0, 4, 9})).values, {0, 2, 3});
  test::check_close(unary("Exp", test::f32({2}, {0, 1})).values, {1, 2.718281828459045});
  test::check_close(unary("Log", test::f32({2}, {1, 2.718281828459045})).values, {0, 1});
  test::check_close(unary("Reciprocal", test::f32({2}, {2, -4})).values, {0.5, -0.25});
  test::check_close(unary("Tanh", test::f32({2}, {0, 1})).values, {0, 0.7615941559557649});
  test::check_close(unary("Erf", test::f32({2}, {0, 1})).values, {0, 0.8427007929497149});
  test::check_close(unary("Neg", test::f32({1}, {1.5})).values, {-1.5});
  test::check_close(unary("Abs", test::f32({2}, {-1.5, 2})).values, {1.5, 2});
}

TEST_CASE("Sigmoid and Softplus stay finite for large inputs") {
  test::check_close(unary("Sigmoid", test::f32({3}, {0, 100, -100})).values, {0.5, 1, 0});
  test::check_close(unary("Softplus", test::f32({3}, {0, 100, -100})).values, {0.6931471805599453, 100, 0});
}

TEST_CASE("parametrised activations read their attributes") {
  test::check_close(unary("LeakyRelu", test::f32({2}, {-10, 5}), {{"alpha", test::attr_f(0.1f)}}).values, {-1, 5});
  test::check_close(unary("LeakyRelu", test::f32({1}, {-100})).values, {-1});  // default alpha 0.01
  // Elu: alpha * (e^x - 1) below zero.
  test::check_close(unary("Elu", test::f32({2}, {-1, 3}), {{"alpha", test::attr_f(2.0f)}}).values, {-1.2642411176571153, 3});
  // HardSigmoid defaults alpha 0.2, beta 0.5, clamped to [0, 1].
  test::check_close(unary("HardSigmoid", test::f32({3}, {1, -3, 3})).values, {0.7, 0, 1});
  test::check_close(unary("HardSigmoid", test::f32({1}, {1}), {{"alpha", test::attr_f(0.5f)}, {"beta", test::attr_f(0.0f)}}).values, {0.5});
  // HardSwish: x * clamp(x/6 + 1/2, 0, 1).
  test::check_close(unary("HardSwish", test::f32({3}, {1, -4, 4})).values, {0.6666667, 0, 4});
}

TEST_CASE("Gelu exact and tanh approximation") {
  test::check_close(unary("Gelu", test::f32({3}, {1, -1, 0})).values, {0.8413447460685429, -0.15865525393145707, 0});
  test::check_close(unary("Gelu", test::f32({1}, {1}), {{"approximate", test::attr_s("tanh")}}).values, {0.8411919906082768});
  CHECK(refused_as_unsupported("Gelu", {test::f32({1}, {1})}, {{"approximate", test::attr_s("sigmoid")}}));
}

TEST_CASE("Clip with optional run-time min and max") {
  test::check_close(test::run_node("Clip", {test::f32({3}, {-2, 0.5, 3}), test::f32({}, {-1}), test::f32({}, {1})})[0].values, {-1, 0.5, 1});
  // min omitted: only the upper bound applies.
  test::check_close(test::run_node("Clip", {test::f32({3}, {-2, 0.5, 3}), test::none(), test::f32({}, {0})})[0].values, {-2, 0, 0});
  // No bounds at all: a copy.
  test::check_close(unary("Clip", test::f32({2, 1}, {-7, 7})).values, {-7, 7});
  // min > max: every element becomes max (ONNX applies min, then max).
  test::check_close(test::run_node("Clip", {test::f32({2}, {-5, 5}), test::f32({}, {2}), test::f32({}, {1})})[0].values, {1, 1});
  const auto ints = test::run_node("Clip", {test::i64({3}, {-5, 5, 0}), test::i64({}, {0})})[0];
  CHECK(ints.dtype == ir::DType::int64);
  CHECK(ints.values == std::vector<double>{0, 5, 0});
}

TEST_CASE("Not on bool") {
  const auto out = unary("Not", test::boolean({2, 2}, {1, 0, 0, 1}));
  CHECK(out.dtype == ir::DType::boolean);
  CHECK(out.values == std::vector<double>{0, 1, 1, 0});
}

TEST_CASE("Cast between float, integer and bool types") {
  const auto to_int = unary("Cast", test::f32({3}, {1.7, -1.7, 0}), {{"to", test::attr_i(7)}});
  CHECK(to_int.dtype == ir::DType::int64);
  CHECK(to_int.values == std::vector<double>{1, -1, 0});  // truncation toward zero
  const auto to_bool = unary("Cast", test::f32({3}, {0, -0.5, 2}), {{"to", test::attr_i(9)}});
  CHECK(to_bool.dtype == ir::DType::boolean);
  CHECK(to_bool.values == std::vector<double>{0, 1, 1});
  CHECK(unary("Cast", test::i64({2}, {3, -2}), {{"to", test::attr_i(1)}}).values == std::vector<double>{3, -2});
  CHECK(unary("Cast", test::boolean({2}, {1, 0}), {{"to", test::attr_i(1)}}).values == std::vector<double>{1, 0});
  CHECK(unary("Cast", test::f32({2}, {3, 200}), {{"to", test::attr_i(2)}}).values == std::vector<double>{3, 200});  // uint8
  CHECK(unary("Cast", test::i64({2}, {-1, 300}), {{"to", test::attr_i(3)}}).values == std::vector<double>{-1, 44});  // int8 wraps
  CHECK(unary("Cast", typed(ir::DType::int32, {1}, {-4}), {{"to", test::attr_i(11)}}).values == std::vector<double>{-4});  // float64
}

TEST_CASE("Cast to float16 rounds to nearest even and overflows to infinity") {
  const auto out = unary("Cast", test::f32({4}, {1, 1.0 / 3.0, 65504, 1e6}), {{"to", test::attr_i(10)}});
  CHECK(out.dtype == ir::DType::float16);
  CHECK(out.values[0] == 1.0);
  CHECK(out.values[1] == 0.333251953125);  // nearest half to 1/3
  CHECK(out.values[2] == 65504.0);         // the largest half
  CHECK(std::isinf(out.values[3]));
}

TEST_CASE("Identity and Dropout copy, including empty tensors") {
  const auto empty = unary("Identity", test::f32({0, 3}, {}));
  CHECK(empty.shape == Shape{0, 3});
  CHECK(empty.values.empty());
  CHECK(unary("Identity", test::i64({2}, {5, -6})).values == std::vector<double>{5, -6});
  const auto dropout = test::run_node("Dropout", {test::f32({1, 3}, {1, 2, 3})}, {}, 2);
  test::check_close(dropout[0].values, {1, 2, 3});
  CHECK(dropout[1].dtype == ir::DType::boolean);
  CHECK(dropout[1].values == std::vector<double>{1, 1, 1});  // inference: nothing dropped
}

TEST_CASE("float-only ops refuse integer tensors cleanly") {
  CHECK(refused_as_unsupported("Sqrt", {test::i64({2}, {4, 9})}));
  CHECK(refused_as_unsupported("Not", {test::f32({1}, {1})}));
}

TEST_CASE("large tensors take the threaded path and give the same values") {
  const int64_t n = 100000;
  std::vector<double> x(static_cast<size_t>(n)), expected(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    x[static_cast<size_t>(i)] = static_cast<double>(i % 7) - 3;
    expected[static_cast<size_t>(i)] = std::max(0.0, x[static_cast<size_t>(i)]);
  }
  const auto out = test::run_node("Relu", {test::f32({n}, x)}, {}, 1, {}, 21, 2)[0];
  test::check_close(out.values, expected);
}
