// Unit cases for runtime/cpu/data_movement.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "ir/error.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

using Shape = std::vector<int64_t>;
using Values = std::vector<double>;

Values iota(int64_t n) {
  Values v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<double>(i);
  return v;
}

// Slice of `data` with constant starts/ends/axes/steps (as exporters write them).
test::Result slice(const test::Value& data, Values starts, Values ends, Values axes, Values steps) {
  const auto n = static_cast<int64_t>(starts.size());
  return test::run_node("Slice", {data, test::i64({n}, starts), test::i64({n}, ends), test::i64({n}, axes), test::i64({n}, steps)}, {}, 1,
                        {1, 2, 3, 4})[0];
}

test::Result pad(const test::Value& data, Values pads, const std::string& mode, test::Value value = test::none()) {
  return test::run_node("Pad", {data, test::i64({static_cast<int64_t>(pads.size())}, pads), value}, {{"mode", test::attr_s(mode)}}, 1, {1})[0];
}

}  // namespace

TEST_CASE("Gather on axis 0 with negative indices") {
  const auto out = test::run_node("Gather", {test::f32({3, 2}, {1, 2, 3, 4, 5, 6}), test::i64({2}, {-1, 0})})[0];
  CHECK(out.shape == Shape{2, 2});
  CHECK(out.values == Values{5, 6, 1, 2});
}

TEST_CASE("Gather on the last axis with 2-D indices, and a scalar index") {
  const auto out = test::run_node("Gather", {test::f32({2, 3}, {1, 2, 3, 4, 5, 6}), test::i64({2, 2}, {0, 2, 1, 1})}, {{"axis", test::attr_i(-1)}})[0];
  CHECK(out.shape == Shape{2, 2, 2});
  CHECK(out.values == Values{1, 3, 2, 2, 4, 6, 5, 5});
  const auto row = test::run_node("Gather", {test::i64({3, 2}, {1, 2, 3, 4, 5, 6}), test::i64({}, {1})})[0];
  CHECK(row.shape == Shape{2});
  CHECK(row.values == Values{3, 4});
  const test::Value int32_indices{ir::DType::int32, {1}, {2}};
  CHECK(test::run_node("Gather", {test::f32({3}, {7, 8, 9}), int32_indices})[0].values == Values{9});
}

TEST_CASE("Gather refuses an out-of-range index with an error, not a crash") {
  CHECK_THROWS_AS(test::run_node("Gather", {test::f32({3}, {7, 8, 9}), test::i64({1}, {3})}), ir::Error);
}

TEST_CASE("Slice with negative starts, axes and out-of-bounds ends") {
  const auto cols = slice(test::f32({3, 4}, iota(12)), {1}, {-1}, {-1}, {1});
  CHECK(cols.shape == Shape{3, 2});
  CHECK(cols.values == Values{1, 2, 5, 6, 9, 10});
  const auto tail = slice(test::i64({5}, iota(5)), {3}, {1000}, {0}, {1});
  CHECK(tail.values == Values{3, 4});
}

TEST_CASE("Slice with negative steps reverses") {
  CHECK(slice(test::f32({5}, iota(5)), {-1}, {-1000}, {0}, {-2}).values == Values{4, 2, 0});
  const auto both = slice(test::f32({2, 3}, iota(6)), {1, 2}, {-3, -4}, {0, 1}, {-1, -1});
  CHECK(both.shape == Shape{2, 3});
  CHECK(both.values == Values{5, 4, 3, 2, 1, 0});
}

TEST_CASE("Slice can be empty") {
  const auto out = slice(test::f32({4}, iota(4)), {2}, {1}, {0}, {1});
  CHECK(out.shape == Shape{0});
  CHECK(out.values.empty());
}

TEST_CASE("Split by sizes, by num_outputs (uneven), and with an empty part") {
  const auto parts = test::run_node("Split", {test::f32({2, 5}, iota(10)), test::i64({2}, {2, 3})}, {{"axis", test::attr_i(-1)}}, 2, {1});
  CHECK(parts[0].shape == Shape{2, 2});
  CHECK(parts[0].values == Values{0, 1, 5, 6});
  CHECK(parts[1].shape == Shape{2, 3});
  CHECK(parts[1].values == Values{2, 3, 4, 7, 8, 9});
  const auto even = test::run_node("Split", {test::f32({7}, iota(7))}, {{"num_outputs", test::attr_i(3)}}, 3);
  CHECK(even[0].values == Values{0, 1, 2});
  CHECK(even[1].values == Values{3, 4, 5});
  CHECK(even[2].values == Values{6});
  const auto with_empty = test::run_node("Split", {test::i64({2}, {4, 5}), test::i64({2}, {0, 2})}, {}, 2, {1});
  CHECK(with_empty[0].shape == Shape{0});
  CHECK(with_empty[1].values == Values{4, 5});
}

TEST_CASE("Concat on a negative axis and with an empty input") {
  const auto out = test::run_node("Concat", {test::f32({2, 1}, {1, 2}), test::f32({2, 2}, {3, 4, 5, 6})}, {{"axis", test::attr_i(-1)}})[0];
  CHECK(out.shape == Shape{2, 3});
  CHECK(out.values == Values{1, 3, 4, 2, 5, 6});
  const auto rows = test::run_node("Concat", {test::i64({0, 2}, {}), test::i64({1, 2}, {7, 8})}, {{"axis", test::attr_i(0)}})[0];
  CHECK(rows.shape == Shape{1, 2});
  CHECK(rows.values == Values{7, 8});
}

TEST_CASE("Transpose default reverses dims; perm with a size-1 dim") {
  const auto out = test::run_node("Transpose", {test::f32({2, 3}, iota(6))})[0];
  CHECK(out.shape == Shape{3, 2});
  CHECK(out.values == Values{0, 3, 1, 4, 2, 5});
  // out[k, 0, j] = in[0, j, k] = 2j + k
  const auto perm = test::run_node("Transpose", {test::i64({1, 3, 2}, iota(6))}, {{"perm", test::attr_ints({2, 0, 1})}})[0];
  CHECK(perm.shape == Shape{2, 1, 3});
  CHECK(perm.values == Values{0, 2, 4, 1, 3, 5});
}

TEST_CASE("Pad constant with a value, begin and end pads per axis") {
  // pads = [begin0, begin1, end0, end1]
  const auto out = pad(test::f32({2, 2}, {1, 2, 3, 4}), {0, 1, 1, 0}, "constant", test::f32({}, {9}));
  CHECK(out.shape == Shape{3, 3});
  CHECK(out.values == Values{9, 1, 2, 9, 3, 4, 9, 9, 9});
  CHECK(pad(test::i64({2}, {1, 2}), {1, 1}, "constant").values == Values{0, 1, 2, 0});  // default value 0
}

TEST_CASE("Pad reflect, edge, wrap and negative pads") {
  CHECK(pad(test::f32({3}, {1, 2, 3}), {2, 2}, "reflect").values == Values{3, 2, 1, 2, 3, 2, 1});
  CHECK(pad(test::f32({3}, {1, 2, 3}), {1, 2}, "edge").values == Values{1, 1, 2, 3, 3, 3});
  CHECK(pad(test::f32({3}, {1, 2, 3}), {1, 1}, "wrap").values == Values{3, 1, 2, 3, 1});
  CHECK(pad(test::f32({4}, {1, 2, 3, 4}), {-1, 1}, "constant").values == Values{2, 3, 4, 0});  // negative crops
}

TEST_CASE("Pad only the listed axes") {
  const auto out = test::run_node("Pad", {test::f32({2, 2}, {1, 2, 3, 4}), test::i64({2}, {1, 0}), test::none(), test::i64({1}, {-1})}, {},
                                  1, {1, 3})[0];
  CHECK(out.shape == Shape{2, 3});
  CHECK(out.values == Values{0, 1, 2, 0, 3, 4});
}

TEST_CASE("large copies take the threaded path") {
  const int64_t rows = 200, cols = 150;
  const auto out = test::run_node("Transpose", {test::f32({rows, cols}, iota(rows * cols))}, {}, 1, {}, 21, 2)[0];
  REQUIRE(out.shape == Shape{cols, rows});
  bool all_match = true;
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i)
      all_match = all_match && out.values[static_cast<size_t>(j * rows + i)] == static_cast<double>(i * cols + j);
  CHECK(all_match);
}
