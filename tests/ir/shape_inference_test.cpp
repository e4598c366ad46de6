#include <doctest/doctest.h>

#include "ir/error.h"
#include "ir/shape_inference.h"
#include "tests/ir/graph_test_util.h"

using test::node;

namespace {

// x[batch, 3, 32, 32] -> Conv(w: 8x3x3x3, stride 2, pad 1) -> Relu -> y
ir::Graph conv_graph() {
  ir::GraphBuilder b("conv.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"batch", "3", "32", "32"}));
  b.add_initializer("w", test::floats({8, 3, 3, 3}));
  b.add_node(node("conv", "Conv", {"x", "w"}, {"c"}, {{"strides", test::ints({2, 2})}, {"pads", test::ints({1, 1, 1, 1})}}));
  b.add_node(node("relu", "Relu", {"c"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  return std::move(b).build();
}

std::string error_of(ir::Graph& g, const ir::ShapeBindings& bindings) {
  try {
    ir::resolve_shapes(g, bindings, "conv.onnx");
  } catch (const ir::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("an unbound symbolic dim names the input and suggests the flag") {
  ir::Graph g = conv_graph();
  const std::string message = error_of(g, {});
  CHECK(message.find("input 'x' has unbound dim 'batch'") != std::string::npos);
  CHECK(message.find("bind it, e.g. --shape x:1x3x32x32") != std::string::npos);
  CHECK(message.find("--batch N") != std::string::npos);
}

TEST_CASE("--batch and --shape bind dims; shapes flow through the graph") {
  ir::Graph g = conv_graph();
  ir::ShapeBindings b;
  b.batch = 4;
  ir::resolve_shapes(g, b, "conv.onnx");
  CHECK(test::tensor(g, "y").shape == std::vector<int64_t>{4, 8, 16, 16});

  ir::Graph h = conv_graph();
  ir::ShapeBindings s;
  s.input_shapes["x"] = {2, 3, 32, 32};
  ir::resolve_shapes(h, s, "conv.onnx");
  CHECK(test::tensor(h, "c").shape == std::vector<int64_t>{2, 8, 16, 16});
}

TEST_CASE("--shape that contradicts the model or names no input is a usage error") {
  ir::Graph g = conv_graph();
  ir::ShapeBindings wrong_dim;
  wrong_dim.input_shapes["x"] = {1, 4, 32, 32};
  CHECK(error_of(g, wrong_dim).find("--shape x: dim 1 is fixed to 3") != std::string::npos);
  ir::ShapeBindings wrong_rank;
  wrong_rank.input_shapes["x"] = {1, 3, 32};
  CHECK(error_of(g, wrong_rank).find("rank 3 given") != std::string::npos);
  ir::ShapeBindings unknown;
  unknown.input_shapes["image"] = {1};
  CHECK(error_of(g, unknown).find("--shape image: the model has no input of that name (inputs: x)") != std::string::npos);
}

TEST_CASE("tensor size limits and overflow are shape errors naming the tensor") {
  ir::Graph g = conv_graph();
  ir::ShapeBindings big;
  big.batch = 1000;
  big.max_tensor_bytes = 1 << 20;
  CHECK(error_of(g, big).find("tensor 'x' would need") != std::string::npos);
  ir::Graph h = conv_graph();
  ir::ShapeBindings overflow;
  overflow.input_shapes["x"] = {int64_t{1} << 62, 3, 32, 32};
  CHECK(error_of(h, overflow).find("overflows 64 bits") != std::string::npos);
}

TEST_CASE("a shape mismatch inside the graph names the node") {
  ir::GraphBuilder b("mm.onnx");
  b.add_input("a", ir::DType::float32, test::dims({"2", "3"}));
  b.add_input("b", ir::DType::float32, test::dims({"4", "5"}));
  b.add_node(node("matmul", "MatMul", {"a", "b"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  try {
    ir::resolve_shapes(g, {}, "mm.onnx");
    FAIL("expected an error");
  } catch (const ir::Error& e) {
    CHECK(e.kind() == ir::ErrorKind::shape);
    CHECK(std::string(e.what()) == "mm.onnx: node 'matmul' (MatMul): inner dimensions differ: 3 vs 4");
  }
}

TEST_CASE("a recurrent node whose R is not [directions, gates x hidden, hidden] is a shape error naming it") {
  // Found by the loader fuzzer: a GRU with a rank-2 R made the cost read past R's shape.
  for (const std::vector<int64_t>& r : {std::vector<int64_t>{1, 24}, std::vector<int64_t>{1, 24, 7}, std::vector<int64_t>{2, 24, 8}}) {
    ir::GraphBuilder b("gru.onnx");
    b.add_input("x", ir::DType::float32, test::dims({"5", "2", "4"}));
    b.add_initializer("w", test::floats({1, 24, 4}));
    b.add_initializer("r", test::floats(r));
    b.add_node(node("gru", "GRU", {"x", "w", "r"}, {"y", "y_h"}, {{"hidden_size", test::int_attr(8)}}));
    b.add_output("y_h", ir::DType::float32, std::nullopt);
    ir::Graph g = std::move(b).build();
    try {
      ir::resolve_shapes(g, {}, "gru.onnx");
      FAIL("expected an error");
    } catch (const ir::Error& e) {
      CHECK(e.kind() == ir::ErrorKind::shape);
      CHECK(std::string(e.what()).find("node 'gru' (GRU): R is [") != std::string::npos);
      CHECK(std::string(e.what()).find("expected [1,24,8]") != std::string::npos);
    }
  }
}

TEST_CASE("unknown ops are reported, not fatal; their consumers stay unresolved") {
  ir::GraphBuilder b("custom.onnx");
  b.add_input("x", ir::DType::float32, test::dims({"1", "4"}));
  ir::NodeSpec custom = node("mine", "FancyOp", {"x"}, {"a"});
  custom.domain = "com.example";
  b.add_node(custom);
  b.add_node(node("after", "Relu", {"a"}, {"y"}));
  b.add_node(node("fine", "Relu", {"x"}, {"z"}));
  ir::Graph g = std::move(b).build();
  const ir::ShapeReport report = ir::resolve_shapes(g, {}, "custom.onnx");
  REQUIRE(report.unsupported.size() == 1);
  CHECK(g.node(report.unsupported[0]).name == "mine");
  REQUIRE(report.unresolved.size() == 1);
  CHECK(g.node(report.unresolved[0]).name == "after");
  CHECK(test::tensor(g, "z").shape_known);
}

TEST_CASE("parse_dims reads NxCxHxW and refuses anything else") {
  CHECK(ir::parse_dims("1x3x224x224", "--shape x") == std::vector<int64_t>{1, 3, 224, 224});
  CHECK(ir::parse_dims("7", "--shape x") == std::vector<int64_t>{7});
  CHECK_THROWS_AS(ir::parse_dims("1x", "--shape x"), ir::Error);
  CHECK_THROWS_AS(ir::parse_dims("1xax3", "--shape x"), ir::Error);
  CHECK_THROWS_AS(ir::parse_dims("-1x3", "--shape x"), ir::Error);
  CHECK_THROWS_AS(ir::parse_dims("99999999999999999999", "--shape x"), ir::Error);
}
