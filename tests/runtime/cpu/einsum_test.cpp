// Unit cases for runtime/cpu/einsum.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_s;
using test::check_close;
using test::f32;
using test::i64;
using test::run_node;

namespace {
ir::Attributes equation(const std::string& e) { return {{"equation", attr_s(e)}}; }
}  // namespace

TEST_CASE("Einsum matrix product") {
  auto out = run_node("Einsum", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3, 2}, {1, 0, 0, 1, 1, 1})}, equation("ij,jk->ik"));
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  check_close(out[0].values, {4, 5, 10, 11});
}

TEST_CASE("Einsum diagonal and implicit trace") {
  const auto x = f32({2, 2}, {1, 2, 3, 4});
  auto diagonal = run_node("Einsum", {x}, equation("ii->i"));
  check_close(diagonal[0].values, {1, 4});
  auto trace = run_node("Einsum", {x}, equation("ii"));
  CHECK(trace[0].shape.empty());
  check_close(trace[0].values, {5});
}

TEST_CASE("Einsum implicit output with a broadcast ellipsis") {
  // "...ij,...jk" -> "...ik"; B's batch of 1 broadcasts over A's 2.
  auto out = run_node("Einsum", {f32({2, 1, 2}, {1, 2, 3, 4}), f32({1, 2, 3}, {1, 0, 1, 0, 1, 1})}, equation("...ij, ...jk"));
  CHECK(out[0].shape == std::vector<int64_t>{2, 1, 3});
  check_close(out[0].values, {1, 2, 3, 3, 4, 7});
}

TEST_CASE("Einsum inner and outer products") {
  auto inner = run_node("Einsum", {f32({3}, {1, 2, 3}), f32({3}, {4, 5, 6})}, equation("i,i"));
  CHECK(inner[0].shape.empty());
  check_close(inner[0].values, {32});
  auto outer = run_node("Einsum", {f32({2}, {1, 2}), f32({3}, {1, 10, 100})}, equation("i,j->ij"));
  CHECK(outer[0].shape == std::vector<int64_t>{2, 3});
  check_close(outer[0].values, {1, 10, 100, 2, 20, 200});
}

TEST_CASE("Einsum sum over a middle axis with a transpose") {
  // out[j][b] = sum_i x[b][i][j], x = 1..12 in [2,2,3].
  auto out = run_node("Einsum", {f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})}, equation("bij->jb"));
  CHECK(out[0].shape == std::vector<int64_t>{3, 2});
  check_close(out[0].values, {5, 17, 7, 19, 9, 21});
}

TEST_CASE("Einsum of three operands, int64") {
  auto out = run_node("Einsum", {i64({2}, {1, 2}), i64({2}, {3, 4}), i64({2}, {5, 6})}, equation("i,i,i->"));
  CHECK(out[0].dtype == ir::DType::int64);
  CHECK(out[0].values == std::vector<double>{63});
}

TEST_CASE("Einsum batch diagonal with ellipsis in the output") {
  // "...ii->...i" on [2,2,2]: per batch the diagonal.
  auto out = run_node("Einsum", {f32({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})}, equation("...ii->...i"));
  CHECK(out[0].shape == std::vector<int64_t>{2, 2});
  check_close(out[0].values, {1, 4, 5, 8});
}
