#include <doctest/doctest.h>

#include "ir/cost.h"
#include "ir/shape_inference.h"
#include "tests/ir/graph_test_util.h"

using test::node;

TEST_CASE("FLOPs, bytes and weights of a small CNN, counted by hand") {
  ir::GraphBuilder b("cnn.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"2", "3", "8", "8"}));
  b.add_initializer("w", test::floats({4, 3, 3, 3}));
  b.add_initializer("bias", test::floats({4}));
  b.add_initializer("fc", test::floats({256, 10}));
  b.add_node(node("conv", "Conv", {"x", "w", "bias"}, {"c"}, {{"pads", test::ints({1, 1, 1, 1})}}));
  b.add_node(node("relu", "Relu", {"c"}, {"r"}));
  b.add_node(node("flat", "Flatten", {"r"}, {"f"}));
  b.add_node(node("fc", "MatMul", {"f", "fc"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "cnn.onnx");
  ir::compute_costs(g);
  // conv: output 2x4x8x8 = 512 elements, each 3x3x3 MACs (54 FLOPs) + a bias add.
  CHECK(g.costs[0].flops == doctest::Approx(512 * 54 + 512));
  CHECK(g.costs[0].param_bytes == (108 + 4) * 4);
  CHECK(g.costs[0].bytes_read == (2 * 3 * 64 + 108 + 4) * 4);
  CHECK(g.costs[0].bytes_written == 512 * 4);
  CHECK(g.costs[1].flops == 512);
  CHECK(g.costs[2].flops == 0);
  CHECK(g.costs[3].flops == doctest::Approx(2.0 * 2 * 10 * 256));
  const ir::GraphTotals totals = ir::graph_totals(g);
  CHECK(totals.param_count == 108 + 4 + 2560);
  // Live at once: while relu runs, c (2 KiB) and r (2 KiB) are both alive, x (1.5 KiB) already freed.
  CHECK(totals.peak_activation_bytes == 2 * 512 * 4);
}
