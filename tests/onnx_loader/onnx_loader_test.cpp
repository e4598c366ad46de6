#include <doctest/doctest.h>

#include <cstdlib>

#include "ir/cost.h"
#include "ir/error.h"
#include "ir/shape_inference.h"
#include "onnx_loader/onnx_loader.h"
#include "tests/sample_models.h"

TEST_CASE("a sample model loads with its versions, weights and declared symbolic batch") {
  auto model = onnx_loader::load_model(test::sample_model("resnet_small"));
  const ir::Graph& g = model.graph;
  CHECK(g.ir_version == 8);
  CHECK(g.opset == 17);
  REQUIRE(g.inputs.size() == 1);
  const ir::Tensor& input = g.tensor(g.inputs[0]);
  REQUIRE(input.declared_shape);
  CHECK((*input.declared_shape)[0].symbol == "batch");
  CHECK(model.sha256.size() == 64);
  int weights = 0;
  for (const ir::Tensor& t : g.tensors) weights += t.kind == ir::TensorKind::initializer ? 1 : 0;
  CHECK(weights > 10);
}

TEST_CASE("Constant nodes become constants, not nodes or parameters") {
  auto model = onnx_loader::load_model(test::sample_model("gru_seq"));
  for (const ir::Node& n : model.graph.nodes) CHECK(n.op_type != "Constant");
  int constants = 0;
  for (const ir::Tensor& t : model.graph.tensors) constants += t.kind == ir::TensorKind::constant ? 1 : 0;
  CHECK(constants >= 1);
}

TEST_CASE("every sample model resolves at batch 1 and 4 with batch-proportional activations") {
  for (const char* name : {"resnet_small", "mobile_cnn", "inception", "lstm_seq", "gru_seq", "transformer_encoder", "mlp"}) {
    CAPTURE(name);
    int64_t peak[2] = {0, 0};
    int i = 0;
    for (int64_t batch : {1, 4}) {
      auto model = onnx_loader::load_model(test::sample_model(name));
      ir::ShapeBindings bindings;
      bindings.batch = batch;
      const auto report = ir::resolve_shapes(model.graph, bindings, name);
      CHECK(report.unsupported.empty());
      CHECK(report.unresolved.empty());
      for (const ir::Tensor& t : model.graph.tensors) CHECK_MESSAGE(t.shape_known, t.name);
      ir::compute_costs(model.graph);
      peak[i++] = ir::graph_totals(model.graph).peak_activation_bytes;
    }
    CHECK(peak[1] == 4 * peak[0]);
  }
}

TEST_CASE("a model from memory with bad bytes is a file error naming the label") {
  const std::string junk = "\x08\x96\x01 not a model at all \xff\xfe";
  try {
    (void)onnx_loader::load_model_from_memory(junk.data(), junk.size(), "junk.onnx", ".");
    FAIL("expected an error");
  } catch (const ir::Error& e) {
    CHECK(std::string(e.what()).rfind("junk.onnx: ", 0) == 0);
  }
}
