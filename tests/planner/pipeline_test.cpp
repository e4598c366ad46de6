// The pipeline DP against enumerating every split, on random chains and DAGs.
#include <doctest/doctest.h>

#include <random>

#include "planner/pipeline.h"
#include "planner/synthetic.h"

TEST_CASE("pipeline: the DP finds what enumerating every split finds") {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 60; ++trial) {
    const bool dag = trial % 2 == 1;
    const planner::Problem p = planner::random_pipeline_problem(rng, 4 + trial % 6, dag);
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
  const planner::Problem p = planner::random_pipeline_problem(rng, 40, true);
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
