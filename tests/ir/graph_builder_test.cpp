#include <doctest/doctest.h>

#include "ir/error.h"
#include "tests/ir/graph_test_util.h"

using test::node;

TEST_CASE("nodes are put in topological order, keeping the model's order where free") {
  ir::GraphBuilder b("m.onnx");
  b.add_input("x", ir::DType::float32, test::dims({"1", "4"}));
  b.add_node(node("second", "Relu", {"a"}, {"b"}));
  b.add_node(node("first", "Relu", {"x"}, {"a"}));
  b.add_node(node("side", "Abs", {"x"}, {"c"}));
  b.add_node(node("last", "Add", {"b", "c"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  const ir::Graph g = std::move(b).build();
  REQUIRE(g.nodes.size() == 4);
  CHECK(g.nodes[0].name == "first");
  CHECK(g.nodes[1].name == "second");
  CHECK(g.nodes[2].name == "side");
  CHECK(g.nodes[3].name == "last");
  CHECK(test::tensor(g, "a").producer == 0);
  CHECK(test::tensor(g, "x").consumers == std::vector<ir::NodeId>{0, 2});
  CHECK(test::tensor(g, "y").is_graph_output);
}

TEST_CASE("a cycle is refused naming a node on it") {
  ir::GraphBuilder b("cyc.onnx");
  b.add_input("x", ir::DType::float32, test::dims({"1"}));
  b.add_node(node("n1", "Add", {"x", "b"}, {"a"}));
  b.add_node(node("n2", "Relu", {"a"}, {"b"}));
  b.add_output("b", ir::DType::float32, std::nullopt);
  try {
    (void)std::move(b).build();
    FAIL("expected an error");
  } catch (const ir::Error& e) {
    CHECK(e.kind() == ir::ErrorKind::model);
    CHECK(std::string(e.what()).find("cyc.onnx: cycle in the graph through node 'n1'") != std::string::npos);
  }
}

TEST_CASE("dangling inputs, duplicate tensors and duplicate node names are refused") {
  auto expect_error = [](ir::GraphBuilder b, const std::string& text) {
    try {
      (void)std::move(b).build();
      FAIL("expected an error containing: " << text);
    } catch (const ir::Error& e) {
      CHECK(e.kind() == ir::ErrorKind::model);
      CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, e.what());
    }
  };
  {
    ir::GraphBuilder b("m.onnx");
    b.add_input("x", ir::DType::float32, test::dims({"1"}));
    b.add_node(node("n", "Add", {"x", "ghost"}, {"y"}));
    expect_error(std::move(b), "node 'n' (Add) reads tensor 'ghost'");
  }
  {
    ir::GraphBuilder b("m.onnx");
    b.add_input("x", ir::DType::float32, test::dims({"1"}));
    b.add_node(node("n1", "Relu", {"x"}, {"y"}));
    b.add_node(node("n2", "Abs", {"x"}, {"y"}));
    expect_error(std::move(b), "duplicate tensor name 'y'");
  }
  {
    ir::GraphBuilder b("m.onnx");
    b.add_input("x", ir::DType::float32, test::dims({"1"}));
    b.add_node(node("same", "Relu", {"x"}, {"y"}));
    b.add_node(node("same", "Abs", {"y"}, {"z"}));
    expect_error(std::move(b), "duplicate node name 'same'");
  }
  {
    ir::GraphBuilder b("m.onnx");
    b.add_input("x", ir::DType::float32, test::dims({"1"}));
    b.add_output("nowhere", ir::DType::float32, std::nullopt);
    expect_error(std::move(b), "graph output 'nowhere' is produced by no node");
  }
}

TEST_CASE("optional inputs and outputs may be omitted; unnamed nodes get names") {
  ir::GraphBuilder b("m.onnx");
  b.add_input("x", ir::DType::float32, test::dims({"1", "2", "3"}));
  b.add_initializer("w", test::floats({1, 8, 3}));
  b.add_initializer("r", test::floats({1, 8, 2}));
  b.add_node(node("", "RNN", {"x", "w", "r", "", ""}, {"", "h"}));
  const ir::Graph g = std::move(b).build();
  CHECK(g.nodes[0].name == "RNN_0");
  CHECK(!g.nodes[0].has_input(3));
  CHECK(!g.nodes[0].has_output(0));
  CHECK(g.nodes[0].has_output(1));
  CHECK(g.inputs.size() == 1);
}
