// Subgraphs that spell out LayerNormalization and GELU run as those ops' kernels, with the
// values of the op-by-op run; a subgraph whose intermediate is read elsewhere stays op by op.
#include <doctest/doctest.h>

#include "runtime/pattern_fusion.h"
#include "tests/ir/graph_test_util.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

ir::TensorData scalar(double v) { return ir::TensorData::from_doubles(ir::DType::float32, {}, {v}); }

// torch's LayerNorm before opset 17 (feature size 6), then its erf GELU, over x [2, 3, 6].
// With `leak`, the centred tensor is also a graph output, which breaks the LayerNorm match.
ir::Graph transformer_piece(bool leak) {
  ir::GraphBuilder b("piece.onnx");
  b.set_versions(8, 14);
  b.add_input("x", ir::DType::float32, test::dims({"2", "3", "6"}));
  b.add_initializer("two", scalar(2.0));
  b.add_initializer("eps", scalar(1e-5));
  b.add_initializer("gamma", ir::TensorData::from_doubles(ir::DType::float32, {6}, {1.0, 0.5, -1.0, 2.0, 1.5, 0.25}));
  b.add_initializer("beta", ir::TensorData::from_doubles(ir::DType::float32, {6}, {0.1, -0.2, 0.3, 0.0, 0.5, -0.5}));
  b.add_initializer("sqrt2", scalar(1.4142135623730951));
  b.add_initializer("one", scalar(1.0));
  b.add_initializer("half", scalar(0.5));
  const ir::Attributes last_axis{{"axes", test::attr_ints({-1})}};
  b.add_node(test::node("mean", "ReduceMean", {"x"}, {"m"}, last_axis));
  b.add_node(test::node("sub", "Sub", {"x", "m"}, {"d"}));
  b.add_node(test::node("pow", "Pow", {"d", "two"}, {"p"}));
  b.add_node(test::node("var", "ReduceMean", {"p"}, {"v"}, last_axis));
  b.add_node(test::node("add_eps", "Add", {"v", "eps"}, {"a"}));
  b.add_node(test::node("sqrt", "Sqrt", {"a"}, {"s"}));
  b.add_node(test::node("div", "Div", {"d", "s"}, {"n"}));
  b.add_node(test::node("scale", "Mul", {"n", "gamma"}, {"g"}));
  b.add_node(test::node("shift", "Add", {"beta", "g"}, {"ln"}));
  b.add_node(test::node("gelu_div", "Div", {"ln", "sqrt2"}, {"q"}));
  b.add_node(test::node("erf", "Erf", {"q"}, {"e"}));
  b.add_node(test::node("plus_one", "Add", {"e", "one"}, {"e1"}));
  b.add_node(test::node("times_x", "Mul", {"ln", "e1"}, {"t"}));
  b.add_node(test::node("halve", "Mul", {"t", "half"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  if (leak) b.add_output("d", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "piece.onnx");
  return g;
}

}  // namespace

TEST_CASE("LayerNormalization and GELU spelled op by op are found, with their parameters") {
  const ir::Graph g = transformer_piece(false);
  const auto matches = runtime::find_patterns(g);
  REQUIRE(matches.size() == 2);
  CHECK(matches[0].op.op == ir::OpKind::LayerNormalization);
  CHECK(matches[0].host == 0);
  CHECK(matches[0].absorbed.size() == 8);
  CHECK(matches[0].op.inputs.size() == 3);  // x, gamma, beta
  CHECK(matches[0].op.attributes.at("epsilon").f == doctest::Approx(1e-5));
  CHECK(matches[1].op.op == ir::OpKind::Gelu);
  CHECK(matches[1].host == 9);
  CHECK(g.tensor(matches[1].op.outputs[0]).name == "y");
  CHECK(runtime::find_patterns(transformer_piece(true)).size() == 1);  // only the GELU
}

TEST_CASE("the fused run gives the op-by-op values and says what each node ran as") {
  for (bool leak : {false, true}) {
    CAPTURE(leak);
    const ir::Graph g = transformer_piece(leak);
    runtime::cpu::CpuDevice device("cpu0", 1, {});
    auto x = device.allocate(ir::DType::float32, {2, 3, 6});
    for (int i = 0; i < 36; ++i) x.as<float>()[i] = static_cast<float>((i * 7) % 13) * 0.3f - 1.5f;
    runtime::Executor op_by_op(g, device, {.fuse = false});
    runtime::Executor fused(g, device, {.fuse = true});
    CHECK(fused.runs_as(0).op_type == (leak ? "ReduceMean" : "LayerNormalization"));
    CHECK(fused.runs_as(9).op_type == "Gelu");
    CHECK(fused.fused_into()[13] == 9);
    const auto expected = op_by_op.run({x});
    const auto got = fused.run({x});
    for (size_t o = 0; o < got.size(); ++o)
      for (int64_t i = 0; i < got[o].element_count(); ++i)
        CHECK(got[o].as<float>()[i] == doctest::Approx(expected[o].as<float>()[i]).epsilon(1e-4).scale(1e-3));
  }
}
