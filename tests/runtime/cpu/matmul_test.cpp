// Unit cases for runtime/cpu/matmul.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_f;
using test::attr_i;
using test::check_close;
using test::f32;
using test::run_node;

namespace {
// [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
const auto a23 = f32({2, 3}, {1, 2, 3, 4, 5, 6});
const auto b32 = f32({3, 2}, {7, 8, 9, 10, 11, 12});
}  // namespace

TEST_CASE("MatMul: 2-D") {
  auto out = run_node("MatMul", {a23, b32});
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  check_close(out[0].values, {58, 64, 139, 154});
}

TEST_CASE("MatMul: a 1-D operand is a row on the left and a column on the right") {
  auto left = run_node("MatMul", {f32({3}, {1, 2, 3}), b32});
  CHECK(left[0].shape == std::vector<int64_t>{2});
  check_close(left[0].values, {58, 64});
  auto right = run_node("MatMul", {a23, f32({3}, {1, 1, 1})});
  CHECK(right[0].shape == std::vector<int64_t>{2});
  check_close(right[0].values, {6, 15});
}

TEST_CASE("MatMul: batch dims broadcast ([2,1,2,2] x [3,2,2])") {
  // A's batches are 1*I and 2*I, so out[i][j] = (i + 1) * B[j].
  auto a = f32({2, 1, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2});
  auto b = f32({3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 1, 0});
  auto out = run_node("MatMul", {a, b});
  CHECK(out[0].shape == std::vector<int64_t>{2, 3, 2, 2});
  check_close(out[0].values, {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 0, 2, 2, 0});
}

TEST_CASE("MatMul: rank-3 activations times a constant 2-D weight") {
  auto out = run_node("MatMul", {f32({2, 1, 3}, {1, 2, 3, 0, 0, 1}), b32}, {}, 1, {1});
  CHECK(out[0].shape == std::vector<int64_t>{2, 1, 2});
  check_close(out[0].values, {58, 64, 11, 12});
}

TEST_CASE("MatMul: K == 0 gives zeros") {
  auto out = run_node("MatMul", {f32({2, 0}, {}), f32({0, 3}, {})});
  CHECK(out[0].shape == std::vector<int64_t>{2, 3});
  check_close(out[0].values, {0, 0, 0, 0, 0, 0});
}

TEST_CASE("Gemm: plain A x B") {
  auto out = run_node("Gemm", {a23, b32});
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  check_close(out[0].values, {58, 64, 139, 154});
}

TEST_CASE("Gemm: transA, transB, alpha, beta and a row C broadcast over M") {
  auto a = f32({3, 2}, {1, 4, 2, 5, 3, 6});      // A^T = [[1,2,3],[4,5,6]]
  auto b = f32({2, 3}, {7, 9, 11, 8, 10, 12});   // B^T = [[7,8],[9,10],[11,12]]
  auto out = run_node("Gemm", {a, b, f32({2}, {1, 2})},
                      {{"transA", attr_i(1)}, {"transB", attr_i(1)}, {"alpha", attr_f(0.5f)}, {"beta", attr_f(2.0f)}});
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  check_close(out[0].values, {31, 36, 71.5, 81});
}

TEST_CASE("Gemm: constant B and a column C [M,1] as the bias") {
  auto out = run_node("Gemm", {a23, b32, f32({2, 1}, {1, 2})}, {}, 1, {1, 2});
  check_close(out[0].values, {59, 65, 141, 156});
}

TEST_CASE("Gemm: scalar C, transB only, constant weights (a Linear layer)") {
  auto out = run_node("Gemm", {a23, f32({2, 3}, {7, 9, 11, 8, 10, 12}), f32({}, {1})}, {{"transB", attr_i(1)}}, 1, {1, 2});
  check_close(out[0].values, {59, 65, 140, 155});
}

TEST_CASE("Gemm: beta 0 ignores C") {
  auto out = run_node("Gemm", {a23, b32, f32({2, 2}, {100, 100, 100, 100})}, {{"beta", attr_f(0.0f)}});
  check_close(out[0].values, {58, 64, 139, 154});
}
