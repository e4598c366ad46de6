// Unit cases for runtime/cpu/pool.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_i;
using test::attr_ints;
using test::attr_s;
using test::check_close;
using test::f32;
using test::run_node;

TEST_CASE("MaxPool: 2x2 window, stride 1") {
  auto out = run_node("MaxPool", {f32({1, 1, 3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8})}, {{"kernel_shape", attr_ints({2, 2})}});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 2, 2});
  check_close(out[0].values, {4, 5, 7, 8});
}

TEST_CASE("MaxPool: ceil_mode keeps the last partial window") {
  const auto x = f32({1, 1, 5}, {1, 3, 2, 5, 4});
  auto floor = run_node("MaxPool", {x}, {{"kernel_shape", attr_ints({2})}, {"strides", attr_ints({2})}});
  CHECK(floor[0].shape == std::vector<int64_t>{1, 1, 2});
  check_close(floor[0].values, {3, 5});
  auto ceil = run_node("MaxPool", {x}, {{"kernel_shape", attr_ints({2})}, {"strides", attr_ints({2})}, {"ceil_mode", attr_i(1)}});
  CHECK(ceil[0].shape == std::vector<int64_t>{1, 1, 3});
  check_close(ceil[0].values, {3, 5, 4});
}

TEST_CASE("MaxPool: dilation 2 with pads; padding never wins") {
  const auto x = f32({1, 1, 5}, {-1, -3, -2, -5, -4});
  auto out = run_node("MaxPool", {x}, {{"kernel_shape", attr_ints({2})}, {"dilations", attr_ints({2})}, {"pads", attr_ints({1, 1})}});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 5});
  // Windows {i-1, i+1}: out-of-range taps are ignored.
  check_close(out[0].values, {-3, -1, -3, -2, -5});
}

TEST_CASE("MaxPool: Indices, row-major and column-major") {
  const auto x = f32({1, 2, 2, 2}, {1, 4, 3, 2, 5, 6, 8, 7});
  auto row = run_node("MaxPool", {x}, {{"kernel_shape", attr_ints({2, 2})}}, 2);
  CHECK(row[0].shape == std::vector<int64_t>{1, 2, 1, 1});
  check_close(row[0].values, {4, 8});
  CHECK(row[1].dtype == ir::DType::int64);
  CHECK(row[1].values == std::vector<double>{1, 6});  // (0,1) in plane 0; (1,0) in plane 1 -> 4 + 2
  auto column = run_node("MaxPool", {x}, {{"kernel_shape", attr_ints({2, 2})}, {"storage_order", attr_i(1)}}, 2);
  CHECK(column[1].values == std::vector<double>{2, 5});  // (0,1) -> 0 + 1*2; (1,0) -> 4 + 1
}

TEST_CASE("AveragePool: pads counted or not") {
  const auto x = f32({1, 1, 3}, {1, 2, 3});
  auto exclude = run_node("AveragePool", {x}, {{"kernel_shape", attr_ints({2})}, {"pads", attr_ints({1, 1})}});
  CHECK(exclude[0].shape == std::vector<int64_t>{1, 1, 4});
  check_close(exclude[0].values, {1, 1.5, 2.5, 3});
  auto include = run_node("AveragePool", {x}, {{"kernel_shape", attr_ints({2})}, {"pads", attr_ints({1, 1})}, {"count_include_pad", attr_i(1)}});
  check_close(include[0].values, {0.5, 1.5, 2.5, 1.5});
}

TEST_CASE("AveragePool: ceil_mode overhang is never counted, the pads are when asked") {
  // Windows over padded positions {-1,0,1}, {1,2,3}, {3,4,5}: 4 is the end pad, 5 the overhang.
  const auto x = f32({1, 1, 4}, {1, 2, 3, 4});
  ir::Attributes attrs = {{"kernel_shape", attr_ints({3})}, {"strides", attr_ints({2})}, {"pads", attr_ints({1, 1})}, {"ceil_mode", attr_i(1)}};
  auto exclude = run_node("AveragePool", {x}, attrs);
  CHECK(exclude[0].shape == std::vector<int64_t>{1, 1, 3});
  check_close(exclude[0].values, {1.5, 3, 4});
  attrs["count_include_pad"] = attr_i(1);
  auto include = run_node("AveragePool", {x}, attrs);
  check_close(include[0].values, {1, 3, 2});
}

TEST_CASE("AveragePool: SAME_UPPER pads the end, SAME_LOWER the start") {
  const auto x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  auto upper = run_node("AveragePool", {x}, {{"kernel_shape", attr_ints({2, 2})}, {"auto_pad", attr_s("SAME_UPPER")}});
  CHECK(upper[0].shape == std::vector<int64_t>{1, 1, 2, 2});
  check_close(upper[0].values, {2.5, 3, 3.5, 4});
  auto lower = run_node("AveragePool", {x}, {{"kernel_shape", attr_ints({2, 2})}, {"auto_pad", attr_s("SAME_LOWER")}});
  check_close(lower[0].values, {1, 1.5, 2, 2.5});
}

TEST_CASE("GlobalAveragePool and GlobalMaxPool: one value per plane") {
  const auto x = f32({2, 1, 3}, {1, 5, 3, -1, -7, -4});
  auto avg = run_node("GlobalAveragePool", {x});
  CHECK(avg[0].shape == std::vector<int64_t>{2, 1, 1});
  check_close(avg[0].values, {3, -4});
  auto max = run_node("GlobalMaxPool", {x});
  check_close(max[0].values, {5, -1});
  auto single = run_node("GlobalAveragePool", {f32({1, 2, 1, 1}, {7, 8})});
  CHECK(single[0].shape == std::vector<int64_t>{1, 2, 1, 1});
  check_close(single[0].values, {7, 8});
}
