// Unit cases for runtime/cpu/binary.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "ir/error.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

using Shape = std::vector<int64_t>;

test::Result binary(const std::string& op, const test::Value& a, const test::Value& b) { return test::run_node(op, {a, b})[0]; }

}  // namespace

TEST_CASE("Add on same shapes and with a broadcast column") {
  test::check_close(binary("Add", test::f32({2, 2}, {1, 2, 3, 4}), test::f32({2, 2}, {10, 20, 30, 40})).values, {11, 22, 33, 44});
  const auto out = binary("Add", test::f32({2, 1}, {1, 2}), test::f32({3}, {10, 20, 30}));
  CHECK(out.shape == Shape{2, 3});
  test::check_close(out.values, {11, 21, 31, 12, 22, 32});
}

TEST_CASE("a scalar operand on either side") {
  test::check_close(binary("Sub", test::f32({}, {10}), test::f32({3}, {1, 2, 3})).values, {9, 8, 7});
  test::check_close(binary("Div", test::f32({3}, {2, 4, 6}), test::f32({}, {2})).values, {1, 2, 3});
  const auto one = binary("Mul", test::f32({1, 1}, {3}), test::f32({1}, {4}));
  CHECK(one.shape == Shape{1, 1});
  test::check_close(one.values, {12});
}

TEST_CASE("Mul broadcasts middle and outer dims at once") {
  // out[i, j, k] = a[i, 0, k] * b[0, j, 0]
  const auto out = binary("Mul", test::f32({2, 1, 2}, {1, 2, 3, 4}), test::f32({1, 3, 1}, {1, 10, 100}));
  CHECK(out.shape == Shape{2, 3, 2});
  test::check_close(out.values, {1, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400});
}

TEST_CASE("integer arithmetic: Div truncates toward zero, overflow wraps") {
  const auto div = binary("Div", test::i64({3}, {7, -7, 7}), test::i64({3}, {2, 2, -2}));
  CHECK(div.dtype == ir::DType::int64);
  CHECK(div.values == std::vector<double>{3, -3, -3});
  const test::Value big{ir::DType::int32, {1}, {2147483647}};
  const test::Value one{ir::DType::int32, {1}, {1}};
  CHECK(binary("Add", big, one).values == std::vector<double>{-2147483648.0});
  CHECK(binary("Sub", test::i64({2}, {5, 0}), test::i64({1}, {7})).values == std::vector<double>{-2, -7});
}

TEST_CASE("Pow with float and integer exponents and bases") {
  test::check_close(binary("Pow", test::f32({3}, {1, 2, 3}), test::f32({}, {2})).values, {1, 4, 9});
  test::check_close(binary("Pow", test::f32({2}, {2, 3}), test::i64({1}, {3})).values, {8, 27});
  const auto ints = binary("Pow", test::i64({2}, {2, 3}), test::f32({1}, {2}));
  CHECK(ints.dtype == ir::DType::int64);
  CHECK(ints.values == std::vector<double>{4, 9});
}

TEST_CASE("comparisons give bool with broadcasting") {
  const auto eq = binary("Equal", test::i64({2, 2}, {1, 2, 3, 1}), test::i64({2}, {1, 2}));
  CHECK(eq.dtype == ir::DType::boolean);
  CHECK(eq.values == std::vector<double>{1, 1, 0, 0});
  const auto gt = binary("Greater", test::f32({3, 1}, {1, 2, 3}), test::f32({1, 2}, {1.5, 2.5}));
  CHECK(gt.shape == Shape{3, 2});
  CHECK(gt.values == std::vector<double>{0, 0, 1, 0, 1, 1});
  CHECK(binary("Less", test::f32({3}, {1, 2, 3}), test::f32({}, {2})).values == std::vector<double>{1, 0, 0});
  CHECK(binary("Equal", test::boolean({2}, {1, 0}), test::boolean({2}, {1, 1})).values == std::vector<double>{1, 0});
}

TEST_CASE("And on bool with broadcasting") {
  const auto out = binary("And", test::boolean({2, 2}, {1, 1, 0, 1}), test::boolean({2}, {1, 0}));
  CHECK(out.values == std::vector<double>{1, 0, 0, 0});
}

TEST_CASE("Where broadcasts all three inputs") {
  const auto out = test::run_node("Where", {test::boolean({2, 1}, {1, 0}), test::f32({1, 3}, {1, 2, 3}), test::f32({}, {-1})})[0];
  CHECK(out.shape == Shape{2, 3});
  test::check_close(out.values, {1, 2, 3, -1, -1, -1});
  const auto ints = test::run_node("Where", {test::boolean({3}, {0, 1, 0}), test::i64({3}, {1, 2, 3}), test::i64({3}, {7, 8, 9})})[0];
  CHECK(ints.dtype == ir::DType::int64);
  CHECK(ints.values == std::vector<double>{7, 2, 9});
}

TEST_CASE("empty operands give an empty output") {
  const auto out = binary("Add", test::f32({0, 3}, {}), test::f32({3}, {1, 2, 3}));
  CHECK(out.shape == Shape{0, 3});
  CHECK(out.values.empty());
}

TEST_CASE("mixed dtypes are refused as unsupported") {
  bool unsupported = false;
  try {
    binary("Add", test::f32({1}, {1}), test::i64({1}, {1}));
  } catch (const ir::Error& e) {
    unsupported = e.kind() == ir::ErrorKind::unsupported;
  }
  CHECK(unsupported);
}

TEST_CASE("large broadcasts take the threaded path") {
  const int64_t rows = 300, cols = 100;
  std::vector<double> a(static_cast<size_t>(rows * cols)), b(static_cast<size_t>(cols)), expected(a.size());
  for (int64_t j = 0; j < cols; ++j) b[static_cast<size_t>(j)] = static_cast<double>(j) * 1000;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      a[static_cast<size_t>(i * cols + j)] = static_cast<double>(i);
      expected[static_cast<size_t>(i * cols + j)] = static_cast<double>(i) + static_cast<double>(j) * 1000;
    }
  const auto out = test::run_node("Add", {test::f32({rows, cols}, a), test::f32({cols}, b)}, {}, 1, {}, 21, 2)[0];
  test::check_close(out.values, expected);
  // Same shapes, one long row split into blocks.
  const auto same = test::run_node("Sub", {test::f32({rows * cols}, a), test::f32({rows * cols}, a)}, {}, 1, {}, 21, 2)[0];
  test::check_close(same.values, std::vector<double>(a.size(), 0.0));
}
