// Whole sample models on the GPU against the CPU: all on the GPU (nodes without a CUDA kernel
// on the CPU, as `partplan run --device cuda` places them), and mixed placements — nodes
// alternating between the devices, and each half of the graph on its own device — so every
// cross-device copy path runs; each placement also replayed (devices at once, requests in
// flight). Outputs within 1e-3 relative / 1e-4 absolute of the CPU's.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ir/cost.h"
#include "ir/shape_inference.h"
#include "onnx_loader/onnx_loader.h"
#include "runtime/cpu/cpu_device.h"
#include "runtime/cuda/cuda_device.h"
#include "runtime/executor.h"
#include "tests/sample_models.h"

namespace {

// Host copies of the outputs of one run under `placement` (device index per node).
std::vector<std::vector<float>> run_placed(const ir::Graph& g, std::vector<runtime::Device*> devices, const std::vector<int>& placement,
                                           const std::vector<runtime::Tensor>& inputs) {
  runtime::Executor executor(g, devices, placement);
  const auto outputs = executor.run(inputs);
  const auto holders = executor.output_devices();
  std::vector<std::vector<float>> result;
  for (size_t k = 0; k < outputs.size(); ++k) {
    REQUIRE(outputs[k].dtype == ir::DType::float32);
    std::vector<float> values(static_cast<size_t>(outputs[k].element_count()));
    if (holders[k] < 0) std::memcpy(values.data(), outputs[k].data, values.size() * sizeof(float));
    else devices[static_cast<size_t>(holders[k])]->copy_to_host(outputs[k], values.data());
    result.push_back(std::move(values));
  }
  return result;
}

// The same through Executor::replay: the devices at once, 4 requests with 2 in flight; the
// last request's outputs (replay brings them to host memory).
std::vector<std::vector<float>> replay_placed(const ir::Graph& g, std::vector<runtime::Device*> devices, const std::vector<int>& placement,
                                              const std::vector<runtime::Tensor>& inputs) {
  runtime::Executor executor(g, devices, placement);
  runtime::ReplayOptions options;
  options.requests = 4;
  options.concurrency = 2;
  const runtime::ReplayResult r = executor.replay(inputs, options);
  std::vector<std::vector<float>> result;
  for (const runtime::Tensor& out : r.outputs) {
    REQUIRE(out.dtype == ir::DType::float32);
    std::vector<float> values(static_cast<size_t>(out.element_count()));
    std::memcpy(values.data(), out.data, values.size() * sizeof(float));
    result.push_back(std::move(values));
  }
  return result;
}

void check_close(const std::vector<std::vector<float>>& got, const std::vector<std::vector<float>>& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t k = 0; k < got.size(); ++k) {
    REQUIRE(got[k].size() == expected[k].size());
    size_t bad = 0;
    for (size_t i = 0; i < got[k].size(); ++i)
      if (!(std::fabs(got[k][i] - expected[k][i]) <= 1e-4 + 1e-3 * std::fabs(expected[k][i]))) ++bad;
    CHECK_MESSAGE(bad == 0, bad << " of " << got[k].size() << " values of output " << k << " differ");
  }
}

}  // namespace

TEST_CASE("GPU models: every sample model all-GPU and split across CPU and GPU matches the CPU") {
  for (const char* name : {"mlp", "mobile_cnn", "resnet_small", "inception", "transformer_encoder", "lstm_seq", "gru_seq"}) {
    const std::string model_name = name;
    CAPTURE(model_name);
    onnx_loader::LoadedModel model = onnx_loader::load_model(test::sample_model(name));
    ir::Graph& g = model.graph;
    ir::ShapeBindings bindings;
    bindings.batch = 2;
    ir::resolve_shapes(g, bindings, model.path);
    ir::compute_costs(g);
    // Floats in [-1, 1); integer inputs (transformer_encoder's tokens) valid indices of its
    // 100-entry vocabulary.
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> real(-1.0f, 1.0f);
    std::uniform_int_distribution<int64_t> token(0, 99);
    std::vector<runtime::Tensor> inputs;
    std::vector<std::vector<char>> storage;
    for (ir::TensorId t : g.inputs) {
      const ir::Tensor& info = g.tensor(t);
      REQUIRE((info.dtype == ir::DType::float32 || info.dtype == ir::DType::int64));
      runtime::Tensor in;
      in.dtype = info.dtype;
      in.shape = info.shape;
      storage.emplace_back(static_cast<size_t>(in.size_bytes()));
      in.data = storage.back().data();
      for (int64_t i = 0; i < in.element_count(); ++i) {
        if (info.dtype == ir::DType::float32) in.as<float>()[i] = real(rng);
        else in.as<int64_t>()[i] = token(rng);
      }
      inputs.push_back(in);
    }
    runtime::cpu::CpuDevice cpu("cpu0", 2, {});
    auto gpu = runtime::cuda::create_cuda_device(0);
    std::vector<runtime::Device*> devices = {gpu.get(), &cpu};
    const std::vector<int> all_cpu(g.nodes.size(), 1);
    const auto expected = run_placed(g, devices, all_cpu, inputs);

    std::vector<int> on_gpu(g.nodes.size(), 0), alternating(g.nodes.size(), 0), halves(g.nodes.size(), 0);
    int supported = 0;
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      const bool ok = ir::is_constant_node(g, g.nodes[n]) || gpu->supports(g, g.nodes[n]);
      supported += ok ? 1 : 0;
      on_gpu[n] = ok ? 0 : 1;
      alternating[n] = ok && n % 2 == 0 ? 0 : 1;
      halves[n] = ok && n < g.nodes.size() / 2 ? 0 : 1;
    }
    MESSAGE(model_name << ": " << supported << " of " << g.nodes.size() << " nodes have a CUDA kernel");
    check_close(run_placed(g, devices, on_gpu, inputs), expected);
    check_close(run_placed(g, devices, alternating, inputs), expected);
    check_close(run_placed(g, devices, halves, inputs), expected);
    check_close(replay_placed(g, devices, on_gpu, inputs), expected);
    check_close(replay_placed(g, devices, alternating, inputs), expected);
    check_close(replay_placed(g, devices, halves, inputs), expected);
  }
}
