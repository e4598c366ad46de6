// Unit cases for runtime/cpu/shape_ops.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include <memory>

#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

using Shape = std::vector<int64_t>;

std::vector<double> iota(int64_t n) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<double>(i);
  return v;
}

ir::Attribute tensor_attr(ir::TensorData data) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::tensor;
  a.tensor = std::make_shared<const ir::TensorData>(std::move(data));
  return a;
}

}  // namespace

TEST_CASE("Reshape with -1 and 0 keeps the bytes") {
  const auto out = test::run_node("Reshape", {test::f32({2, 3}, iota(6)), test::i64({2}, {-1, 2})}, {}, 1, {1})[0];
  CHECK(out.shape == Shape{3, 2});
  CHECK(out.values == iota(6));
  const auto copy_dim = test::run_node("Reshape", {test::i64({2, 3, 1}, iota(6)), test::i64({2}, {0, -1})}, {}, 1, {1})[0];
  CHECK(copy_dim.shape == Shape{2, 3});
  CHECK(copy_dim.dtype == ir::DType::int64);
}

TEST_CASE("Flatten with negative and zero axes") {
  CHECK(test::run_node("Flatten", {test::f32({2, 3, 4}, iota(24))}, {{"axis", test::attr_i(-1)}})[0].shape == Shape{6, 4});
  const auto out = test::run_node("Flatten", {test::f32({2, 3, 4}, iota(24))}, {{"axis", test::attr_i(0)}})[0];
  CHECK(out.shape == Shape{1, 24});
  CHECK(out.values == iota(24));
}

TEST_CASE("Squeeze and Unsqueeze with negative axes") {
  const auto squeezed = test::run_node("Squeeze", {test::f32({2, 1}, {5, 6}), test::i64({1}, {-1})}, {}, 1, {1})[0];
  CHECK(squeezed.shape == Shape{2});
  CHECK(squeezed.values == std::vector<double>{5, 6});
  const auto all = test::run_node("Squeeze", {test::f32({1, 3, 1}, {1, 2, 3})})[0];
  CHECK(all.shape == Shape{3});
  const auto unsqueezed = test::run_node("Unsqueeze", {test::f32({3}, {1, 2, 3}), test::i64({2}, {0, -1})}, {}, 1, {1})[0];
  CHECK(unsqueezed.shape == Shape{1, 3, 1});
  CHECK(unsqueezed.values == std::vector<double>{1, 2, 3});
}

TEST_CASE("Expand broadcasts size-1 and missing dims") {
  const auto out = test::run_node("Expand", {test::f32({3, 1}, {1, 2, 3}), test::i64({3}, {2, 1, 4})}, {}, 1, {1})[0];
  CHECK(out.shape == Shape{2, 3, 4});
  std::vector<double> expected;
  for (int b = 0; b < 2; ++b)
    for (double v : {1.0, 2.0, 3.0})
      for (int k = 0; k < 4; ++k) expected.push_back(v);
  CHECK(out.values == expected);
  const auto scalar = test::run_node("Expand", {test::i64({}, {7}), test::i64({2}, {2, 2})}, {}, 1, {1})[0];
  CHECK(scalar.values == std::vector<double>{7, 7, 7, 7});
  // A target smaller than the input keeps the input's dims (bidirectional broadcast).
  const auto keep = test::run_node("Expand", {test::f32({2, 2}, {1, 2, 3, 4}), test::i64({1}, {1})}, {}, 1, {1})[0];
  CHECK(keep.shape == Shape{2, 2});
  CHECK(keep.values == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("Tile repeats along each dim") {
  const auto out = test::run_node("Tile", {test::f32({2, 2}, {1, 2, 3, 4}), test::i64({2}, {1, 2})}, {}, 1, {1})[0];
  CHECK(out.shape == Shape{2, 4});
  CHECK(out.values == std::vector<double>{1, 2, 1, 2, 3, 4, 3, 4});
  const auto rows = test::run_node("Tile", {test::i64({1, 3}, {1, 2, 3}), test::i64({2}, {2, 1})}, {}, 1, {1})[0];
  CHECK(rows.shape == Shape{2, 3});
  CHECK(rows.values == std::vector<double>{1, 2, 3, 1, 2, 3});
  const auto none = test::run_node("Tile", {test::f32({2}, {1, 2}), test::i64({1}, {0})}, {}, 1, {1})[0];
  CHECK(none.shape == Shape{0});
}

TEST_CASE("Shape with start and end, Size") {
  const auto x = test::f32({2, 3, 4}, iota(24));
  CHECK(test::run_node("Shape", {x})[0].values == std::vector<double>{2, 3, 4});
  CHECK(test::run_node("Shape", {x}, {{"start", test::attr_i(1)}})[0].values == std::vector<double>{3, 4});
  CHECK(test::run_node("Shape", {x}, {{"end", test::attr_i(-1)}})[0].values == std::vector<double>{2, 3});
  CHECK(test::run_node("Shape", {x}, {{"start", test::attr_i(-10)}})[0].values == std::vector<double>{2, 3, 4});  // clamped
  CHECK(test::run_node("Shape", {x}, {{"start", test::attr_i(2)}, {"end", test::attr_i(1)}})[0].values.empty());
  const auto size = test::run_node("Size", {x})[0];
  CHECK(size.dtype == ir::DType::int64);
  CHECK(size.shape.empty());
  CHECK(size.values == std::vector<double>{24});
}

TEST_CASE("ConstantOfShape fills with the value attribute or float zero") {
  const auto sevens = test::run_node("ConstantOfShape", {test::i64({2}, {2, 3})},
                                     {{"value", tensor_attr(ir::TensorData::from_int64s(ir::DType::int64, {1}, {7}))}}, 1, {0})[0];
  CHECK(sevens.dtype == ir::DType::int64);
  CHECK(sevens.shape == Shape{2, 3});
  CHECK(sevens.values == std::vector<double>(6, 7.0));
  const auto zeros = test::run_node("ConstantOfShape", {test::i64({1}, {3})}, {}, 1, {0})[0];
  CHECK(zeros.dtype == ir::DType::float32);
  CHECK(zeros.values == std::vector<double>{0, 0, 0});
  CHECK(test::run_node("ConstantOfShape", {test::i64({1}, {0})}, {}, 1, {0})[0].values.empty());
}

TEST_CASE("Constant from list attributes") {
  const auto floats = test::run_node("Constant", {}, {{"value_floats", test::attr_floats({1.5f, 2.5f})}})[0];
  CHECK(floats.shape == Shape{2});
  CHECK(floats.values == std::vector<double>{1.5, 2.5});
  const auto one = test::run_node("Constant", {}, {{"value_int", test::attr_i(5)}})[0];
  CHECK(one.dtype == ir::DType::int64);
  CHECK(one.values == std::vector<double>{5});
}

TEST_CASE("Range for float and negative int64 steps") {
  const auto floats = test::run_node("Range", {test::f32({}, {1}), test::f32({}, {2}), test::f32({}, {0.25})}, {}, 1, {0, 1, 2})[0];
  test::check_close(floats.values, {1, 1.25, 1.5, 1.75});
  const auto ints = test::run_node("Range", {test::i64({}, {10}), test::i64({}, {4}), test::i64({}, {-3})}, {}, 1, {0, 1, 2})[0];
  CHECK(ints.dtype == ir::DType::int64);
  CHECK(ints.values == std::vector<double>{10, 7});
  CHECK(test::run_node("Range", {test::i64({}, {3}), test::i64({}, {1}), test::i64({}, {1})}, {}, 1, {0, 1, 2})[0].values.empty());
}
