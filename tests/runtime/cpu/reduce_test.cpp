// Unit cases for runtime/cpu/reduce.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include <cmath>
#include <limits>

#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_i;
using test::attr_ints;
using test::check_close;
using test::f32;
using test::i64;
using test::run_node;

namespace {
std::vector<double> iota_values(int n) {
  std::vector<double> v;
  for (int i = 1; i <= n; ++i) v.push_back(i);
  return v;
}
}  // namespace

TEST_CASE("ReduceSum over two separated axes (axes as input, opset 13)") {
  // x[i][j][k] = 1 + 6i + 2j + k; summing i and k leaves j: 1+2+7+8, 3+4+9+10, 5+6+11+12.
  auto out = run_node("ReduceSum", {f32({2, 3, 2}, iota_values(12)), i64({2}, {0, -1})}, {{"keepdims", attr_i(0)}}, 1, {1}, 13);
  CHECK(out[0].shape == std::vector<int64_t>{3});
  check_close(out[0].values, {18, 26, 34});
}

TEST_CASE("ReduceMean over the last axis, keepdims (opset 18)") {
  auto out = run_node("ReduceMean", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), i64({1}, {-1})}, {}, 1, {1}, 18);
  CHECK(out[0].shape == std::vector<int64_t>{2, 1});
  check_close(out[0].values, {2, 5});
}

TEST_CASE("ReduceMax with axes as an attribute (opset 13), inner block > 1") {
  auto out = run_node("ReduceMax", {f32({3, 2}, {1, 5, 7, 2, 3, 3})}, {{"axes", attr_ints({0})}}, 1, {}, 13);
  CHECK(out[0].shape == std::vector<int64_t>{1, 2});
  check_close(out[0].values, {7, 5});
}

TEST_CASE("ReduceMin with no axes reduces everything") {
  auto out = run_node("ReduceMin", {f32({2, 2}, {4, -1, 2, 0})});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1});
  check_close(out[0].values, {-1});
  auto flat = run_node("ReduceMin", {f32({2, 2}, {4, -1, 2, 0})}, {{"keepdims", attr_i(0)}});
  CHECK(flat[0].shape.empty());
  check_close(flat[0].values, {-1});
}

TEST_CASE("ReduceSum noop_with_empty_axes keeps the input") {
  auto out = run_node("ReduceSum", {f32({3, 1, 2}, {1, 2, 3, 4, 5, 6}), i64({0}, {})}, {{"noop_with_empty_axes", attr_i(1)}}, 1, {1});
  CHECK(out[0].shape == std::vector<int64_t>{3, 1, 2});
  check_close(out[0].values, {1, 2, 3, 4, 5, 6});
}

TEST_CASE("Reductions over an empty axis give the identity") {
  auto sum = run_node("ReduceSum", {f32({2, 0, 3}, {}), i64({1}, {1})}, {}, 1, {1});
  CHECK(sum[0].shape == std::vector<int64_t>{2, 1, 3});
  check_close(sum[0].values, std::vector<double>(6, 0.0));
  auto max = run_node("ReduceMax", {f32({2, 0}, {}), i64({1}, {1})}, {{"keepdims", attr_i(0)}}, 1, {1});
  REQUIRE(max[0].values.size() == 2);
  CHECK(max[0].values[0] == -std::numeric_limits<double>::infinity());
}

TEST_CASE("ReduceSum of int64 and ReduceMax of bool") {
  auto sum = run_node("ReduceSum", {i64({2, 2}, {1, 2, 30, 40}), i64({1}, {1})}, {{"keepdims", attr_i(0)}}, 1, {1});
  CHECK(sum[0].dtype == ir::DType::int64);
  CHECK(sum[0].values == std::vector<double>{3, 70});
  auto any = run_node("ReduceMax", {test::boolean({2, 2}, {1, 0, 0, 0}), i64({1}, {1})}, {{"keepdims", attr_i(0)}}, 1, {1});
  CHECK(any[0].values == std::vector<double>{1, 0});
  auto all = run_node("ReduceMin", {test::boolean({2, 2}, {1, 1, 0, 1}), i64({1}, {1})}, {{"keepdims", attr_i(0)}}, 1, {1});
  CHECK(all[0].values == std::vector<double>{1, 0});
}

TEST_CASE("ReduceSum on several threads matches the plain count") {
  auto out = run_node("ReduceSum", {f32({64, 300}, std::vector<double>(64 * 300, 1.0)), i64({1}, {1})}, {}, 1, {1}, 21, 3);
  CHECK(out[0].shape == std::vector<int64_t>{64, 1});
  check_close(out[0].values, std::vector<double>(64, 300.0));
}

TEST_CASE("ArgMax: first or last of tied maxima") {
  const auto x = f32({2, 3}, {1, 3, 3, 5, 2, 5});
  auto first = run_node("ArgMax", {x}, {{"axis", attr_i(1)}, {"keepdims", attr_i(0)}});
  CHECK(first[0].dtype == ir::DType::int64);
  CHECK(first[0].shape == std::vector<int64_t>{2});
  CHECK(first[0].values == std::vector<double>{1, 0});
  auto last = run_node("ArgMax", {x}, {{"axis", attr_i(-1)}, {"keepdims", attr_i(1)}, {"select_last_index", attr_i(1)}});
  CHECK(last[0].shape == std::vector<int64_t>{2, 1});
  CHECK(last[0].values == std::vector<double>{2, 2});
  auto down = run_node("ArgMax", {x});  // axis 0, keepdims 1
  CHECK(down[0].shape == std::vector<int64_t>{1, 3});
  CHECK(down[0].values == std::vector<double>{1, 0, 1});
}

TEST_CASE("TopK: ties go to the lower index, largest and smallest") {
  auto largest = run_node("TopK", {f32({1, 4}, {3, 1, 3, 2}), i64({1}, {2})}, {}, 2, {1});
  CHECK(largest[0].shape == std::vector<int64_t>{1, 2});
  check_close(largest[0].values, {3, 3});
  CHECK(largest[1].values == std::vector<double>{0, 2});
  auto smallest = run_node("TopK", {f32({1, 4}, {3, 1, 3, 2}), i64({1}, {3})}, {{"largest", attr_i(0)}}, 2, {1});
  check_close(smallest[0].values, {1, 2, 3});
  CHECK(smallest[1].values == std::vector<double>{1, 3, 0});
}

TEST_CASE("TopK along axis 0 (inner block > 1) of int64") {
  auto out = run_node("TopK", {i64({3, 2}, {1, 6, 4, 6, 4, 0}), i64({1}, {2})}, {{"axis", attr_i(0)}}, 2, {1});
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  CHECK(out[0].values == std::vector<double>{4, 6, 4, 6});
  CHECK(out[1].values == std::vector<double>{1, 0, 2, 1});
}
