#include <doctest/doctest.h>

#include "ir/shape_inference.h"
#include "tests/ir/graph_test_util.h"

using test::node;

// The chain exporters write for a dynamic reshape:
//   s = Shape(x); b = Gather(s, 0); u = Unsqueeze(b, [0]); t = Concat(u, [-1, 64]); y = Reshape(x, t)
TEST_CASE("a Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain is evaluated for each batch") {
  for (int64_t batch : {1, 5}) {
    ir::GraphBuilder b("chain.onnx");
    b.set_versions(8, 17);
    b.add_input("x", ir::DType::float32, test::dims({"batch", "16", "64"}));
    b.add_initializer("zero", test::int64s({}, {0}));
    b.add_initializer("axes", test::int64s({1}, {0}));
    b.add_initializer("tail", test::int64s({2}, {-1, 32}));
    b.add_node(node("shape", "Shape", {"x"}, {"s"}));
    b.add_node(node("gather", "Gather", {"s", "zero"}, {"n"}));
    b.add_node(node("unsq", "Unsqueeze", {"n", "axes"}, {"u"}));
    b.add_node(node("concat", "Concat", {"u", "tail"}, {"t"}, {{"axis", test::int_attr(0)}}));
    b.add_node(node("reshape", "Reshape", {"x", "t"}, {"y"}));
    b.add_output("y", ir::DType::float32, std::nullopt);
    ir::Graph g = std::move(b).build();
    ir::ShapeBindings bindings;
    bindings.batch = batch;
    ir::resolve_shapes(g, bindings, "chain.onnx");
    CHECK(test::tensor(g, "t").value->to_int64s() == std::vector<int64_t>{batch, -1, 32});
    CHECK(test::tensor(g, "y").shape == std::vector<int64_t>{batch, 32, 32});
    CHECK_FALSE(test::tensor(g, "y").value);  // data, not a constant
  }
}

TEST_CASE("arithmetic on shapes, Range and ConstantOfShape fold") {
  ir::GraphBuilder b("arith.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"4", "6"}));
  b.add_initializer("two", test::int64s({}, {2}));
  b.add_initializer("one", test::int64s({}, {1}));
  b.add_initializer("zero", test::int64s({}, {0}));
  b.add_initializer("idx1", test::int64s({1}, {1}));
  b.add_node(node("shape", "Shape", {"x"}, {"s"}));
  b.add_node(node("cols", "Gather", {"s", "idx1"}, {"c"}));       // [6]
  b.add_node(node("half", "Div", {"c", "two"}, {"h"}));            // [3]
  b.add_node(node("range", "Range", {"zero", "h", "one"}, {"r"}));  // r needs the scalar h: use Squeeze
  b.add_output("r", ir::DType::int64, std::nullopt);
  ir::Graph g = std::move(b).build();
  // Range needs scalars; a [1]-shaped limit is still one element and folds the same.
  ir::resolve_shapes(g, {}, "arith.onnx");
  CHECK(test::tensor(g, "h").value->to_int64s() == std::vector<int64_t>{3});
  CHECK(test::tensor(g, "r").shape == std::vector<int64_t>{3});
  CHECK(test::tensor(g, "r").value->to_int64s() == std::vector<int64_t>{0, 1, 2});
}

TEST_CASE("an Identity of a weight shares it instead of copying") {
  ir::GraphBuilder b("tied.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"2", "8"}));
  b.add_initializer("w", test::floats({8, 8}));
  b.add_node(node("tie", "Identity", {"w"}, {"w2"}));
  b.add_node(node("mm", "MatMul", {"x", "w2"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "tied.onnx");
  CHECK(test::tensor(g, "w2").value.get() == test::tensor(g, "w").value.get());
}
