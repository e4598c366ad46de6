// The pipeline DP against enumerating every split, on random chains and DAGs.
#include <doctest/doctest.h>

#include <random>

#include "planner/pipeline.h"

namespace {

// `n` nodes in order on cpu0, cpu1 and a GPU behind a 5 us + 4 bytes/us link; with `dag`, a
// node may also read an earlier node's output than the one before it (crossing several cuts).
planner::Problem random_pipeline_problem(std::mt19937& rng, int n, bool dag) {
  planner::Problem p;
  p.devices = {{"cpu0", false}, {"cpu1", false}, {"gpu2", true}};
  p.links.assign(4, std::vector<planner::LinkCost>(4, {0.5, 0.0}));
  for (size_t place = 0; place < 4; ++place) {
    p.links[place][3] = {5.0, 4.0};
    p.links[3][place] = {5.0, 4.0};
  }
  std::uniform_real_distribution<double> time(1, 50);
  std::uniform_int_distribution<int64_t> bytes(8, 512);
  p.tensors.push_back({"x", 128, -1, {}, false});
  for (int i = 0; i < n; ++i) {
    planner::PlanNode node{"n" + std::to_string(i), "Op", {i}, {}, {}, 0};  // reads the previous output (tensor i)
    p.tensors[static_cast<size_t>(i)].consumers.push_back(i);
    if (dag && i >= 2 && rng() % 3 == 0) {
      const int earlier = static_cast<int>(rng() % static_cast<unsigned>(i - 1)) + 1;
      node.inputs.push_back(earlier);
      p.tensors[static_cast<size_t>(earlier)].consumers.push_back(i);
    }
    p.tensors.push_back({"t" + std::to_string(i), bytes(rng), i, {}, i == n - 1});
    node.outputs.push_back(i + 1);
    const double t = time(rng);
    node.time_us = {t, 1.7 * t, rng() % 5 == 0 ? planner::cannot_run : t / 3};
    p.nodes.push_back(node);
  }
  return p;
}

}  // namespace

TEST_CASE("pipeline: the DP finds what enumerating every split finds") {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 60; ++trial) {
    const bool dag = trial % 2 == 1;
    const planner::Problem p = random_pipeline_problem(rng, 4 + trial % 6, dag);
    const auto exact = planner::brute_force_pipeline(p, planner::cannot_run);
    const auto dp = planner::plan_pipeline(p, planner::cannot_run);
    REQUIRE(exact.has_value() == dp.has_value());
    if (!dp) continue;
    CHECK(dp->bottleneck_us == doctest::Approx(exact->bottleneck_us));
    CHECK(dp->latency_us == doctest::Approx(exact->latency_us));
    // With an SLO between the fastest single device and the best pipeline's latency.
    const double slo = 0.97 * exact->latency_us;
    const auto exact_slo = planner::brute_force_pipeline(p, slo);
    const auto dp_slo = planner::plan_pipeline(p, slo);
    REQUIRE(exact_slo.has_value() == dp_slo.has_value());
    if (dp_slo) {
      CHECK(dp_slo->bottleneck_us == doctest::Approx(exact_slo->bottleneck_us));
      CHECK(dp_slo->latency_us <= slo);
    }
  }
}

TEST_CASE("pipeline: stages cover the order once, each device at most once") {
  std::mt19937 rng(9);
  const planner::Problem p = random_pipeline_problem(rng, 40, true);
  const auto pipe = planner::plan_pipeline(p, planner::cannot_run);
  REQUIRE(pipe.has_value());
  int next = 0;
  std::vector<bool> used(3, false);
  for (const planner::Stage& s : pipe->stages) {
    CHECK(s.first == next);
    CHECK(s.last >= s.first);
    CHECK_FALSE(used[static_cast<size_t>(s.device)]);
    used[static_cast<size_t>(s.device)] = true;
    next = s.last + 1;
  }
  CHECK(next == 40);
  const std::vector<int> devices = planner::devices_of(p, *pipe);
  for (size_t n = 0; n < devices.size(); ++n) CHECK(p.nodes[n].time_us[static_cast<size_t>(devices[n])] < planner::cannot_run);
}
