// Device groupings of CPU core groups, and plan_builder's decisions: a split declined within
// the cost model's uncertainty, kept beyond it or when asked, refused on fallbacks.
#include <doctest/doctest.h>

#include "ir/cost.h"
#include "ir/shape_inference.h"
#include "ir/error.h"
#include "onnx_loader/onnx_loader.h"
#include "planner/device_groups.h"
#include "planner/plan_builder.h"
#include "tests/sample_models.h"

namespace {

costmodel::DeviceModel device(const std::string& name, const std::string& description) {
  costmodel::DeviceModel d;
  d.name = name;
  d.spec = description.substr(0, description.find(' '));
  d.description = description;
  d.roofline = {1e10, 1e10, 1.0};
  return d;
}

costmodel::CostModel two_cores() {
  costmodel::CostModel m;
  m.devices = {device("cpu0", "cpu:threads=1 (cores 0)"), device("cpu1", "cpu:threads=1 (cores 1)"), device("cpu0-1", "cpu:threads=2 (cores 0,1)")};
  return m;
}

ir::Graph resolved_inception() {
  onnx_loader::LoadedModel model = onnx_loader::load_model(test::sample_model("inception"));
  ir::ShapeBindings bindings;
  bindings.batch = 1;
  ir::resolve_shapes(model.graph, bindings, model.path);
  ir::compute_costs(model.graph);
  return model.graph;
}

}  // namespace

TEST_CASE("device groups: devices on disjoint cores run together; shared cores are alternatives; GPUs join every set") {
  costmodel::CostModel m = two_cores();
  CHECK(planner::cores_of(m.devices[2]) == std::set<int>{0, 1});
  CHECK(planner::cores_of(device("cpu9", "cpu:threads=1 (not pinned)")).empty());
  costmodel::DeviceModel gpu = device("cuda0", "NVIDIA H100 (device spec: estimated)");
  gpu.estimated = true;
  m.devices.push_back(gpu);
  const auto sets = planner::device_groupings(m);
  REQUIRE(sets.size() == 2);
  CHECK(sets[0] == std::vector<std::string>{"cpu0", "cpu1", "cuda0"});
  CHECK(sets[1] == std::vector<std::string>{"cpu0-1", "cuda0"});

  // 4 cores as 2+2 or one 4-thread device, plus a 1-core device on core 0 that only fits beside
  // the group on cores 2,3.
  costmodel::CostModel four;
  four.devices = {device("a", "cpu:threads=2 (cores 0,1)"), device("b", "cpu:threads=2 (cores 2,3)"), device("c", "cpu:threads=4 (cores 0,1,2,3)"),
                  device("d", "cpu:threads=1 (cores 0)")};
  const auto four_sets = planner::device_groupings(four);
  CHECK(four_sets == std::vector<std::vector<std::string>>{{"a", "b"}, {"b", "d"}, {"c"}});
}

TEST_CASE("plan builder: a split within the cost model's uncertainty is declined for the best baseline, and kept when asked") {
  const ir::Graph graph = resolved_inception();
  costmodel::CostModel costs = two_cores();
  planner::PlanRequest request;
  request.time_limit_s = 1;
  request.device_sets = {{"cpu0", "cpu1"}};
  // Roofline-only devices: every prediction is a fallback, refused without --allow-fallbacks.
  CHECK_THROWS_WITH_AS(planner::build_plan(request, costs, graph, "inception.onnx", "sha"), doctest::Contains("fallbacks"), ir::Error);
  request.allow_fallbacks = true;
  // Two identical devices and free hand-offs: inception's branches split, predicted faster,
  // but by less than the roofline's 100% uncertainty.
  const planner::PlanOutcome declined = planner::build_plan(request, costs, graph, "inception.onnx", "sha");
  REQUIRE(declined.plan.decision.has_value());
  CHECK(declined.plan.decision->taken == "all on cpu0");
  CHECK(declined.plan.decision->uncertainty == doctest::Approx(1.0));
  CHECK(declined.plan.decision->predicted_gain > 0);
  CHECK(declined.plan.devices.size() == 1);
  CHECK(declined.plan.baselines.size() == 3);  // both devices and, though the sets left it out, the pooled one
  request.keep_uncertain_split = true;
  const planner::PlanOutcome kept = planner::build_plan(request, costs, graph, "inception.onnx", "sha");
  REQUIRE(kept.plan.decision.has_value());
  CHECK(kept.plan.decision->taken == "plan");
  CHECK(kept.plan.predicted.nodes.at("cpu0") > 0);
  CHECK(kept.plan.predicted.nodes.at("cpu1") > 0);
  CHECK(kept.plan.predicted.latency_us < declined.plan.predicted.latency_us);
  CHECK(kept.plan.coverage.at("roofline") == doctest::Approx(1.0));
}

TEST_CASE("plan builder: the default device sets plan over every grouping, and the pooled device is a baseline of the chosen plan") {
  const ir::Graph graph = resolved_inception();
  costmodel::CostModel costs = two_cores();
  costs.devices[2].roofline = {4e10, 4e10, 1.0};  // the pooled device: faster than either core
  planner::PlanRequest request;
  request.time_limit_s = 1;
  request.allow_fallbacks = true;
  request.with_candidates = true;
  const planner::PlanOutcome outcome = planner::build_plan(request, costs, graph, "inception.onnx", "sha");
  CHECK(outcome.plan.alternatives.size() == 2);
  REQUIRE(outcome.plan.devices.size() == 1);
  CHECK(outcome.plan.devices[0].name == "cpu0-1");
  std::vector<std::string> names;
  for (const planner::Baseline& b : outcome.plan.baselines) names.push_back(b.name + " | " + b.device);
  CHECK(names == std::vector<std::string>{"all on cpu0-1 | cpu:threads=2 (cores 0,1)", "all on cpu0 | cpu:threads=1 (cores 0)", "all on cpu1 | cpu:threads=1 (cores 1)"});
  CHECK(outcome.candidates.size() == 3);  // one per single-device baseline (the chosen plan is one of them)
}

TEST_CASE("plan builder: a split the profile replayed sets the least uncertainty of this model's splits") {
  const ir::Graph graph = resolved_inception();
  costmodel::CostModel costs = two_cores();
  planner::PlanRequest request;
  request.time_limit_s = 1;
  request.allow_fallbacks = true;
  request.device_sets = {{"cpu0", "cpu1"}};
  request.keep_uncertain_split = true;
  const planner::PlanOutcome without = planner::build_plan(request, costs, graph, "inception.onnx", "sha");
  REQUIRE(without.plan.decision.has_value());
  const double base = without.plan.decision->uncertainty;
  // The profile replayed the alternating split 3x slower than anything the roofline predicts.
  std::map<std::string, std::vector<int64_t>> shapes;
  for (ir::TensorId t : graph.inputs) shapes[graph.tensor(t).name] = graph.tensor(t).shape;
  costs.split_checks.push_back({"sha", "cpu0", "cpu1", shapes, 1e9});
  const planner::PlanOutcome with = planner::build_plan(request, costs, graph, "inception.onnx", "sha");
  REQUIRE(with.plan.decision.has_value());
  CHECK(with.plan.decision->uncertainty > base);
  CHECK(with.plan.decision->uncertainty > 100);
  // Another model's or other shapes' checks say nothing about this one.
  costs.split_checks.back().model_sha256 = "other";
  CHECK(planner::build_plan(request, costs, graph, "inception.onnx", "sha").plan.decision->uncertainty == doctest::Approx(base));
}

TEST_CASE("plan builder: throughput plans stand beside replicas, the model whole on each device, each slowed by its co-run factor") {
  const ir::Graph graph = resolved_inception();
  costmodel::CostModel costs = two_cores();
  costs.devices[1].co_run_factor = 1.25;
  planner::PlanRequest request;
  request.objective = "throughput";
  request.time_limit_s = 1;
  request.allow_fallbacks = true;
  request.device_sets = {{"cpu0", "cpu1"}};
  const planner::PlanOutcome outcome = planner::build_plan(request, costs, graph, "inception.onnx", "sha");
  const planner::Baseline* alone = nullptr;
  const planner::Baseline* replicas = nullptr;
  for (const planner::Baseline& b : outcome.plan.baselines) {
    if (b.name == "all on cpu0") alone = &b;
    if (b.name == "replicas on cpu0,cpu1") replicas = &b;
  }
  REQUIRE(alone != nullptr);
  REQUIRE(replicas != nullptr);
  REQUIRE(replicas->metrics.has_value());
  // Identical devices: cpu0 at its rate, cpu1 at 1 / 1.25 of it.
  CHECK(replicas->metrics->throughput_per_s() == doctest::Approx(alone->metrics->throughput_per_s() * (1 + 1 / 1.25)));
  CHECK(replicas->device.empty());  // served, not replayed
}
