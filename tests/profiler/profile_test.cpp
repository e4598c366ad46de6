// An isolated node shares the model's weights and runs as it does in the model; a profile
// survives its JSON round trip; a small real profile has every field the planner needs.
#include <doctest/doctest.h>

#include <cstdlib>

#include "ir/error.h"
#include "ir/shape_inference.h"
#include "onnx_loader/onnx_loader.h"
#include "profiler/isolate.h"
#include "profiler/profile.h"
#include "profiler/profiler.h"
#include "runtime/cpu/cpu_device.h"
#include "tests/runtime/cpu/kernel_test_util.h"
#include "tests/sample_models.h"

TEST_CASE("profiler: an isolated node keeps its shapes and shares the model's weight bytes") {
  onnx_loader::LoadedModel model = onnx_loader::load_model(test::sample_model("resnet_small"));
  ir::ShapeBindings b;
  b.batch = 3;
  ir::resolve_shapes(model.graph, b, model.path);
  const ir::Graph& g = model.graph;
  size_t conv = 0;
  while (g.nodes[conv].op_type != "Conv") ++conv;
  const ir::Graph alone = profiler::isolate_node(g, static_cast<ir::NodeId>(conv));
  REQUIRE(alone.nodes.size() == 1);
  CHECK(alone.nodes[0].name == g.nodes[conv].name);
  const ir::Tensor& weight = alone.tensor(alone.nodes[0].inputs[1]);
  CHECK(weight.value.get() == g.tensor(g.nodes[conv].inputs[1]).value.get());  // the same bytes, not a copy
  CHECK(alone.tensor(alone.nodes[0].inputs[0]).shape == g.tensor(g.nodes[conv].inputs[0]).shape);
  CHECK(alone.tensor(alone.nodes[0].outputs[0]).shape == g.tensor(g.nodes[conv].outputs[0]).shape);
  CHECK(alone.inputs.size() == 1);
}

TEST_CASE("profiler: a node reading one tensor twice is isolated with it declared once") {
  for (bool constant : {false, true}) {
    const test::Value x = test::f32({2, 3}, {1, 2, 3, 4, 5, 6});
    const ir::Graph g = test::node_graph("Mul", {x, x}, {}, 1, constant ? std::set<size_t>{0, 1} : std::set<size_t>{});
    // Rewire the node to read input 0 twice, as Mul(x, x).
    ir::Graph twice = g;
    twice.nodes[0].inputs = {g.nodes[0].inputs[0], g.nodes[0].inputs[0]};
    ir::resolve_shapes(twice, {}, "twice");
    const ir::Graph alone = profiler::isolate_node(twice, 0);
    CHECK(alone.nodes[0].inputs[0] == alone.nodes[0].inputs[1]);
    CHECK(alone.inputs.size() == (constant ? 0u : 1u));
    if (!constant) CHECK(alone.tensor(alone.inputs[0]).shape == std::vector<int64_t>{2, 3});
  }
}

TEST_CASE("profiler: a profile of two CPU devices and two batches, and its JSON round trip") {
  onnx_loader::LoadedModel model = onnx_loader::load_model(test::sample_model("mlp"));
  runtime::cpu::CpuDevice a("cpu0", 1, {}), b("cpu1", 1, {});
  profiler::ProfileRequest request;
  request.batches = {1, 4};
  request.measure.min_time_ms = 0.2;
  request.measure.max_time_ms = 2;
  std::vector<runtime::DeviceSpec> specs(2);
  specs[0].text = specs[1].text = "cpu:threads=1";
  // Saved after each device of each batch, incomplete, with the devices done so far.
  std::vector<size_t> whole_models_at_checkpoint;
  request.on_checkpoint = [&](const profiler::Profile& partial) {
    CHECK_FALSE(partial.complete);
    size_t wholes = 0;
    for (const profiler::BatchProfile& batch : partial.batches) wholes += batch.whole_model.size();
    whole_models_at_checkpoint.push_back(wholes);
  };
  const profiler::Profile p = profiler::run_profile(model.graph, model.path, model.sha256, specs, {&a, &b}, request);
  CHECK(whole_models_at_checkpoint == std::vector<size_t>{1, 2, 3, 4});
  CHECK(p.complete);
  REQUIRE(p.batches.size() == 2);
  CHECK(p.batches[1].input_shapes.begin()->second.front() == 4);
  for (const profiler::BatchProfile& batch : p.batches) {
    CHECK_FALSE(batch.nodes.empty());
    for (const profiler::NodeRecord& n : batch.nodes)
      for (const char* device : {"cpu0", "cpu1"}) {
        REQUIRE(n.devices.count(device) == 1);
        REQUIRE(n.devices.at(device).stats.has_value());
        CHECK(n.devices.at(device).stats->median_us > 0);
      }
    CHECK(batch.whole_model.count("cpu0") == 1);
    CHECK(batch.whole_model.at("cpu1").sum_of_node_medians_us > 0);
    // Every node's time inside the fused runs; the fused nodes' and the rest add up to the run.
    const profiler::WholeModel& whole = batch.whole_model.at("cpu0");
    CHECK(whole.fused_node_us.size() == batch.nodes.size());
    double in_runs = 0;
    for (const auto& [name, us] : whole.fused_node_us) in_runs += us;
    REQUIRE(whole.fused.has_value());
    CHECK(in_runs > 0);
    CHECK(in_runs <= 1.5 * whole.fused->median_us);
  }
  // mlp's nodes take a few microseconds: they are timed several runs per repetition.
  int batched = 0;
  for (const profiler::NodeRecord& n : p.batches[0].nodes) batched += n.devices.at("cpu0").stats->runs_per_rep > 1 ? 1 : 0;
  CHECK(batched > 0);
  CHECK(p.links.size() == 2);  // a hand-off to each CPU device
  CHECK(p.timed_s > 0);
  CHECK(p.wall_s >= p.timed_s);
  const nlohmann::json doc = profiler::to_json(p);
  CHECK(profiler::to_json(profiler::profile_from_json(doc, "mlp.profile.json")) == doc);
  CHECK_THROWS_AS(profiler::profile_from_json(nlohmann::json{{"schema", "partplan.run/1"}}, "x.json"), ir::Error);
  // The forms a CPU-only profile does not produce: a node a device declined, shapes bound
  // without --batch, a whole model with no fused time, a GPU traced with CUPTI (kernels,
  // launch and span, tracing overhead) or not (why), pinned and pageable links.
  profiler::Profile q = p;
  q.batches[0].batch.reset();
  q.batches[0].nodes[0].devices["cpu1"] = profiler::NodeResult{std::nullopt, std::nullopt, "no cpu1 kernel"};
  q.batches[0].whole_model["cpu0"].fused.reset();
  profiler::GpuDetail gpu{p.batches[0].nodes[0].devices.at("cpu0").stats.value(), p.batches[0].nodes[0].devices.at("cpu0").stats.value(),
                          {{"sgemm_128x64", 1, 12.5}, {"[memset]", 0.5, 1.0}}};
  q.batches[0].nodes[1].devices["cuda0"] = profiler::NodeResult{gpu.span, gpu, ""};
  q.batches[0].whole_model["cuda0"] = {gpu.span, gpu, gpu.span, std::nullopt, {}, std::nullopt, 30.0};
  q.devices.push_back({"cuda0", "cuda", "cuda:0 H100", "cupti", "", profiler::CuptiInfo{0, {{"fc1", 10.0, 10.5}}, 1.05}});
  q.devices.push_back({"cuda1", "cuda:1", "cuda:1 H100", "cuda_events", "CUPTI not used: --no-cupti", std::nullopt});
  q.links.push_back({"host", "cuda0", "copy", "pageable", {{4, 9.5}, {1 << 20, 50.0}}, 9.4, 25.0});
  q.links.push_back({"cuda0", "host", "copy", "pinned", {{4, 9.5}, {1 << 20, 50.0}}, 9.4, 25.0});
  const nlohmann::json other = profiler::to_json(q);
  const profiler::Profile back = profiler::profile_from_json(other, "q.json");
  CHECK_FALSE(back.batches[0].batch.has_value());
  CHECK(back.batches[0].nodes[0].devices.at("cpu1").unsupported == "no cpu1 kernel");
  CHECK_FALSE(back.batches[0].nodes[0].devices.at("cpu1").stats.has_value());
  CHECK_FALSE(back.batches[0].whole_model.at("cpu0").fused.has_value());
  CHECK(back.links.back().bandwidth_gb_s == 25.0);
  CHECK(back.links.back().host_memory == "pinned");
  REQUIRE(back.batches[0].nodes[1].devices.at("cuda0").gpu.has_value());
  CHECK(back.batches[0].nodes[1].devices.at("cuda0").gpu->kernels.at(0).name == "sgemm_128x64");
  CHECK(back.batches[0].whole_model.at("cuda0").unfused_gpu.has_value());
  CHECK_FALSE(back.batches[0].whole_model.at("cuda0").fused_gpu.has_value());
  CHECK(back.devices.at(2).cupti->overhead.at(0).with_us == 10.5);
  CHECK(back.devices.at(3).timer_note == "CUPTI not used: --no-cupti");
  CHECK(profiler::to_json(back) == other);
}

TEST_CASE("profiler: a resumed profile keeps what was measured and measures only the rest") {
  onnx_loader::LoadedModel model = onnx_loader::load_model(test::sample_model("mlp"));
  runtime::cpu::CpuDevice a("cpu0", 1, {});
  profiler::ProfileRequest request;
  request.measure.min_time_ms = 0.2;
  request.measure.max_time_ms = 2;
  request.bindings.batch = 2;
  std::vector<runtime::DeviceSpec> specs(1);
  specs[0].text = "cpu";
  profiler::Profile first = profiler::run_profile(model.graph, model.path, model.sha256, specs, {&a}, request);
  // Pretend the run stopped after the first node: drop the others' results.
  for (size_t n = 1; n < first.batches[0].nodes.size(); ++n) first.batches[0].nodes[n].devices.clear();
  first.batches[0].whole_model.clear();
  first.complete = false;
  const double kept = first.batches[0].nodes[0].devices.at("cpu0").stats->median_us;
  request.resume = &first;
  const profiler::Profile resumed = profiler::run_profile(model.graph, model.path, model.sha256, specs, {&a}, request);
  CHECK(resumed.complete);
  CHECK(resumed.batches[0].nodes[0].devices.at("cpu0").stats->median_us == kept);
  for (const profiler::NodeRecord& n : resumed.batches[0].nodes) CHECK(n.devices.at("cpu0").stats.has_value());
  CHECK(resumed.batches[0].whole_model.count("cpu0") == 1);
}
