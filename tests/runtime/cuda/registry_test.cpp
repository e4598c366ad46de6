// The CUDA kernel registry's answers (host code: no GPU needed): every node of every sample
// model has a CUDA kernel, so `partplan run --device cuda` runs them without a CPU fallback;
// and what the registry declines is declined without throwing.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "ir/cost.h"
#include "ir/shape_inference.h"
#include "onnx_loader/onnx_loader.h"
#include "runtime/cuda/cuda_kernels.h"
#include "tests/runtime/cpu/kernel_test_util.h"
#include "tests/sample_models.h"

TEST_CASE("CUDA registry: every node of the sample models has a CUDA kernel") {
  const auto registry = runtime::cuda::make_cuda_kernel_registry();
  for (const char* name : {"mlp", "mobile_cnn", "resnet_small", "inception", "transformer_encoder", "lstm_seq", "gru_seq"}) {
    const std::string model_name = name;
    CAPTURE(model_name);
    onnx_loader::LoadedModel model = onnx_loader::load_model(test::sample_model(name));
    ir::ShapeBindings bindings;
    bindings.batch = 2;
    ir::resolve_shapes(model.graph, bindings, model.path);
    for (const ir::Node& node : model.graph.nodes) {
      if (ir::is_constant_node(model.graph, node)) continue;
      CAPTURE(node.name);
      const auto* entry = registry.find(node.op);
      REQUIRE(entry != nullptr);
      CHECK(entry->accepts(model.graph, node));
    }
  }
}

TEST_CASE("CUDA registry: what the kernels cannot run is declined, not failed") {
  const auto registry = runtime::cuda::make_cuda_kernel_registry();
  auto accepts = [&](const ir::Graph& g) {
    const auto* entry = registry.find(g.nodes[0].op);
    return entry != nullptr && entry->accepts(g, g.nodes[0]);
  };
  // An op without a CUDA kernel, a dtype the kernel lacks, an attribute cuDNN cannot express.
  CHECK_FALSE(accepts(test::node_graph("Einsum", {test::f32({2, 3}, {1, 2, 3, 4, 5, 6})}, {{"equation", test::attr_s("ij->ji")}})));
  CHECK_FALSE(accepts(test::node_graph("Relu", {test::Value{ir::DType::float64, {2}, {1, -1}}})));
  CHECK_FALSE(accepts(test::node_graph("Conv", {test::f32({1, 1, 5, 5}, std::vector<double>(25, 1.0)), test::f32({1, 1, 2, 2}, {1, 1, 1, 1})},
                                       {{"auto_pad", test::attr_s("SAME_UPPER")}}, 1, {1})));  // pads 0 and 1
  CHECK_FALSE(accepts(test::node_graph("LSTM", {test::f32({2, 1, 1}, {1, 2}), test::f32({1, 4, 1}, {1, 1, 1, 1}), test::f32({1, 4, 1}, {1, 1, 1, 1}),
                                                test::none(), test::Value{ir::DType::int32, {1}, {2}}},
                                       {{"hidden_size", test::attr_i(1)}}, 1, {1, 2})));  // sequence_lens
  CHECK(accepts(test::node_graph("Conv", {test::f32({1, 1, 5, 5}, std::vector<double>(25, 1.0)), test::f32({1, 1, 3, 3}, std::vector<double>(9, 1.0))},
                                 {{"pads", test::attr_ints({1, 1, 1, 1})}}, 1, {1})));
}
