// The pipeline DP against enumerating every split, on random chains and DAGs.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "planner/pipeline.h"
#include "planner/synthetic.h"

TEST_CASE("pipeline: the DP finds what enumerating every split finds") {
  std::mt19937 rng(3);
  int reused = 0;  // trials whose best pipeline puts a device in two stages
  for (int trial = 0; trial < 120; ++trial) {
    const bool dag = trial % 2 == 1;
    const int uses = trial % 4 == 0 ? 1 : 2;
    CAPTURE(trial);
    const planner::Problem p = planner::random_pipeline_problem(rng, 4 + trial % 6, dag);
    const auto exact = planner::brute_force_pipeline(p, planner::cannot_run, uses);
    const auto dp = planner::plan_pipeline(p, planner::cannot_run, uses);
    REQUIRE(exact.has_value() == dp.has_value());
    if (!dp) continue;
    CHECK(dp->bottleneck_us == doctest::Approx(exact->bottleneck_us));
    CHECK(dp->latency_us == doctest::Approx(exact->latency_us));
    std::vector<int> stages_on(p.devices.size(), 0);
    for (const planner::Stage& s : dp->stages) ++stages_on[static_cast<size_t>(s.device)];
    if (*std::max_element(stages_on.begin(), stages_on.end()) > 1) ++reused;
    CHECK(*std::max_element(stages_on.begin(), stages_on.end()) <= uses);
    // With an SLO between the fastest single device and the best pipeline's latency.
    const double slo = 0.97 * exact->latency_us;
    const auto exact_slo = planner::brute_force_pipeline(p, slo, uses);
    const auto dp_slo = planner::plan_pipeline(p, slo, uses);
    REQUIRE(exact_slo.has_value() == dp_slo.has_value());
    if (dp_slo) {
      CHECK(dp_slo->bottleneck_us == doctest::Approx(exact_slo->bottleneck_us));
      CHECK(dp_slo->latency_us <= slo);
    }
  }
  // The oracle agreeing proves little if no best pipeline ever reuses a device.
  CHECK(reused >= 10);
}

TEST_CASE("pipeline: a cut between a node and the one fused into it prices the fused node alone") {
  // a -> b -> c -> d; a and b run only on cpu0, c and d only on cpu1, so the one cut falls
  // between b and c. c fuses into b in a run (0 us beside it), alone it takes 30 us.
  planner::Problem p;
  p.devices = {{"cpu0", false}, {"cpu1", false}};
  p.links.assign(3, std::vector<planner::LinkCost>(3, {0.5, 0.0}));
  p.tensors = {{"x", 4, -1, {0}, false}, {"a", 4, 0, {1}, false}, {"b", 4, 1, {2}, false}, {"c", 4, 2, {3}, false}, {"y", 4, 3, {}, true}};
  const double inf = planner::cannot_run;
  p.nodes = {{"a", "Op", {0}, {1}, {10, inf}, 0, -1, {}},
             {"b", "Op", {1}, {2}, {10, inf}, 0, -1, {}},
             {"c", "Op", {2}, {3}, {inf, 0}, 0, 1, {inf, 30}},
             {"d", "Op", {3}, {4}, {inf, 5}, 0, -1, {}}};
  const auto pipe = planner::plan_pipeline(p, inf, 1);
  REQUIRE(pipe.has_value());
  REQUIRE(pipe->stages.size() == 2);
  CHECK(pipe->stages[0].compute_us == doctest::Approx(20));
  CHECK(pipe->stages[1].compute_us == doctest::Approx(30 + 5));  // c alone, then d
  CHECK(pipe->bottleneck_us == doctest::Approx(35));
}

TEST_CASE("pipeline: a device in two stages carries both (hand-computed)") {
  // pre -> model -> post in a chain; the GPU runs only the model, the CPU all three. Tensors of
  // 400 bytes; the GPU link costs 5 us + 4 bytes/us = 105 us each way, CPU hand-offs 0.5 us.
  planner::Problem p;
  p.devices = {{"cpu0", false}, {"gpu1", true}};
  p.links.assign(3, std::vector<planner::LinkCost>(3, {0.5, 0.0}));
  for (size_t place = 0; place < 3; ++place) p.links[place][2] = p.links[2][place] = {5.0, 4.0};
  p.tensors = {{"x", 400, -1, {0}, false}, {"a", 400, 0, {1}, false}, {"b", 400, 1, {2}, false}, {"y", 400, 2, {}, true}};
  const double inf = planner::cannot_run;
  p.nodes = {{"pre", "Op", {0}, {1}, {100, inf}, 0, -1, {}}, {"model", "Op", {1}, {2}, {1000, 50}, 0, -1, {}}, {"post", "Op", {2}, {3}, {100, inf}, 0, -1, {}}};
  // Each device once: all on cpu0 (1,200 us) is the only pipeline that runs every node.
  const auto once = planner::plan_pipeline(p, inf, 1);
  REQUIRE(once.has_value());
  CHECK(once->stages.size() == 1);
  CHECK(once->bottleneck_us == doctest::Approx(1200));
  // Twice: cpu0, gpu1, cpu0. cpu0 carries 100 + 100 = 200 us per request, more than the GPU's
  // 50 us or either direction's 105 us of copies; latency 0.5 + 100 + 105 + 50 + 105 + 100 + 0.5.
  const auto twice = planner::plan_pipeline(p, inf, 2);
  REQUIRE(twice.has_value());
  REQUIRE(twice->stages.size() == 3);
  CHECK(twice->stages[0].device == 0);
  CHECK(twice->stages[1].device == 1);
  CHECK(twice->stages[2].device == 0);
  CHECK(twice->bottleneck_us == doctest::Approx(200));
  CHECK(twice->latency_us == doctest::Approx(461));
  // An SLO below that latency leaves the CPU alone.
  const auto tight = planner::plan_pipeline(p, 400, 2);
  CHECK_FALSE(tight.has_value());
  const auto loose = planner::plan_pipeline(p, 1300, 2);
  REQUIRE(loose.has_value());
  CHECK(loose->bottleneck_us == doctest::Approx(200));
}

TEST_CASE("pipeline: stages cover the order once, each device in at most two, never two in a row") {
  std::mt19937 rng(9);
  const planner::Problem p = planner::random_pipeline_problem(rng, 40, true);
  const auto pipe = planner::plan_pipeline(p, planner::cannot_run);
  REQUIRE(pipe.has_value());
  int next = 0, previous = planner::host;
  std::vector<int> used(3, 0);
  for (const planner::Stage& s : pipe->stages) {
    CHECK(s.first == next);
    CHECK(s.last >= s.first);
    CHECK(s.device != previous);
    CHECK(++used[static_cast<size_t>(s.device)] <= 2);
    previous = s.device;
    next = s.last + 1;
  }
  CHECK(next == 40);
  const std::vector<int> devices = planner::devices_of(p, *pipe);
  for (size_t n = 0; n < devices.size(); ++n) CHECK(p.nodes[n].time_us[static_cast<size_t>(devices[n])] < planner::cannot_run);
}

TEST_CASE("pipeline: the time limit returns the best plan found, marked as such") {
  const planner::Problem p = planner::synthetic_dag(150, 1);  // seconds of exact search
  const auto cut = planner::plan_pipeline(p, planner::cannot_run, 2, 0.05);
  REQUIRE(cut.has_value());
  CHECK(cut->timed_out);
  const auto once = planner::plan_pipeline(p, planner::cannot_run, 1);
  REQUIRE(once.has_value());
  CHECK_FALSE(once->timed_out);
  // Whatever it found runs every node where it can run.
  const std::vector<int> devices = planner::devices_of(p, *cut);
  for (size_t n = 0; n < devices.size(); ++n) CHECK(p.nodes[n].time_us[static_cast<size_t>(devices[n])] < planner::cannot_run);
}

TEST_CASE("pipeline: the same problem gives the same stages") {
  std::mt19937 rng(21);
  const planner::Problem p = planner::random_pipeline_problem(rng, 30, true);
  const auto a = planner::plan_pipeline(p, planner::cannot_run), b = planner::plan_pipeline(p, planner::cannot_run);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  REQUIRE(a->stages.size() == b->stages.size());
  for (size_t k = 0; k < a->stages.size(); ++k) {
    CHECK(a->stages[k].first == b->stages[k].first);
    CHECK(a->stages[k].device == b->stages[k].device);
  }
}

TEST_CASE("pipeline: large graphs begin stages at a bounded set of positions, feasibly") {
  std::mt19937 rng(4);
  // 600 nodes: the GPU cannot run one in five, so a GPU stage must end at those nodes.
  const planner::Problem p = planner::random_pipeline_problem(rng, 600, false);
  const auto pipe = planner::plan_pipeline(p, planner::cannot_run, 1);
  REQUIRE(pipe.has_value());
  CHECK_FALSE(pipe->every_cut);
  CHECK_FALSE(pipe->timed_out);
  const std::vector<int> devices = planner::devices_of(p, *pipe);
  for (size_t n = 0; n < devices.size(); ++n) CHECK(p.nodes[n].time_us[static_cast<size_t>(devices[n])] < planner::cannot_run);
  // No worse than every node on the best single device.
  for (int d = 0; d < 2; ++d) {
    double total = 0;
    for (const planner::PlanNode& node : p.nodes) total += node.time_us[static_cast<size_t>(d)];
    CHECK(pipe->bottleneck_us <= total);
  }
}
