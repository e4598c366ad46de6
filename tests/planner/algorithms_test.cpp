// Placement algorithms on random DAGs against exhaustive search, the baselines and themselves.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "planner/algorithms.h"
#include "planner/exact.h"
#include "planner/memory_objective.h"
#include "planner/synthetic.h"

namespace {

double makespan(const planner::Problem& p, const planner::Assignment& a) { return planner::simulate(p, a.device_of, a.priority).makespan_us; }

// Every assignment (with rank priority): the best makespan there is among such plans.
double exhaustive(const planner::Problem& p) {
  const size_t n = p.nodes.size(), d = p.devices.size();
  std::vector<int> device_of(n, 0);
  double best = planner::cannot_run;
  while (true) {
    bool valid = true;
    for (size_t i = 0; i < n && valid; ++i) valid = p.nodes[i].time_us[static_cast<size_t>(device_of[i])] < planner::cannot_run;
    if (valid) best = std::min(best, planner::simulate(p, device_of, planner::rank_priority(p, device_of)).makespan_us);
    size_t i = 0;
    while (i < n && ++device_of[i] == static_cast<int>(d)) device_of[i++] = 0;
    if (i == n) break;
  }
  return best;
}

}  // namespace

TEST_CASE("planner: branch and bound finds what exhaustive search finds, with and without pins") {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 16; ++trial) {
    const bool gpu = trial % 2 == 0;
    const planner::Problem p = planner::random_dag(rng, 8, gpu, trial % 4 < 2 ? 4.0 : 1.2);
    planner::SearchOptions options;
    options.exact_max_visits = 0;
    const planner::ExactResult e = planner::branch_and_bound(p, options);
    CHECK(e.proven);
    CHECK(e.schedule.makespan_us == doctest::Approx(exhaustive(p)).epsilon(1e-9));
    CHECK(makespan(p, e.assignment) == doctest::Approx(e.schedule.makespan_us));
    // Seeded with a plan, it never returns worse; pinned, it keeps the pin.
    const planner::SearchResult heuristic = planner::plan_latency(p, {});
    CHECK(planner::branch_and_bound(p, options, heuristic.assignment.device_of).schedule.makespan_us <= heuristic.schedule.makespan_us + 1e-9);
    options.pinned.assign(p.nodes.size(), -1);
    options.pinned[3] = 1;
    const planner::ExactResult pinned = planner::branch_and_bound(p, options);
    CHECK(pinned.assignment.device_of[3] == 1);
    CHECK(pinned.schedule.makespan_us >= e.schedule.makespan_us - 1e-9);
  }
  // Twin devices (same times, same links) are tried in one order only, but not when a pin tells
  // them apart: pinned to the second twin, the optimum is the one pinned to the first.
  std::mt19937 twins_rng(17);
  planner::Problem twins = planner::random_dag(twins_rng, 9, false, 1.0);
  for (auto& node : twins.nodes) node.time_us[1] = node.time_us[0];
  planner::SearchOptions pin_first, pin_second;
  pin_first.exact_max_visits = pin_second.exact_max_visits = 0;
  pin_first.pinned.assign(twins.nodes.size(), -1);
  pin_second.pinned = pin_first.pinned;
  pin_first.pinned[0] = 0;
  pin_second.pinned[0] = 1;
  const planner::ExactResult first = planner::branch_and_bound(twins, pin_first), second = planner::branch_and_bound(twins, pin_second);
  CHECK(second.proven);
  CHECK(second.assignment.device_of[0] == 1);
  CHECK(second.schedule.makespan_us == doctest::Approx(first.schedule.makespan_us));
  // A work budget ends the search unproven, with the best seen so far.
  std::mt19937 big(5);
  const planner::Problem p = planner::random_dag(big, 22, true, 4.0);
  planner::SearchOptions tiny;
  tiny.exact_max_visits = 100;
  const planner::ExactResult cut = planner::branch_and_bound(p, tiny, planner::heft(p, {}).device_of);
  CHECK_FALSE(cut.proven);
  CHECK(cut.schedule.makespan_us > 0);
}

TEST_CASE("planner: the critical-path greedy correction never makes HEFT's plan worse, keeps pins, and improves some") {
  std::mt19937 rng(13);
  int improved = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const planner::Problem p = planner::random_dag(rng, 14, true, trial % 2 == 0 ? 1.2 : 4.0);
    std::vector<int> pins(p.nodes.size(), -1);
    pins[2] = 0;
    const planner::Assignment h = planner::heft(p, pins);
    const planner::Assignment g = planner::critical_path_greedy(p, h, pins);
    CHECK(g.device_of[2] == 0);
    CHECK(makespan(p, g) <= makespan(p, h) + 1e-9);
    improved += makespan(p, g) < makespan(p, h) - 1e-9;
  }
  MESSAGE("the correction shortened " << improved << " of 20 HEFT plans");
  CHECK(improved > 0);
}

TEST_CASE("planner: the heuristics (HEFT, multi-start and iterated local search) against exhaustive search on random DAGs") {
  std::mt19937 rng(7);
  std::vector<double> gaps;
  planner::SearchOptions heuristics_only;
  heuristics_only.exact_max_nodes = 0;
  for (int trial = 0; trial < 24; ++trial) {
    const bool gpu = trial % 2 == 0;
    const planner::Problem p = planner::random_dag(rng, 8, gpu, trial % 4 < 2 ? 4.0 : 1.2);
    const planner::Assignment start = planner::heft(p, {});
    const planner::SearchResult r = planner::plan_latency(p, heuristics_only);
    CHECK_FALSE(r.exact_searched);
    // Latency mode as the CLI runs it adds branch and bound on graphs this small: optimal.
    const planner::SearchResult full = planner::plan_latency(p, {});
    CHECK(full.proven_optimal);
    CHECK(full.schedule.makespan_us <= r.schedule.makespan_us + 1e-9);
    CHECK(r.schedule.makespan_us <= makespan(p, start) + 1e-9);
    // Exhaustive over devices with rank priority; the search may order a device's nodes
    // otherwise (HEFT's start order) and come out below it: a gap under 0 is counted as 0.
    const double best = exhaustive(p);
    gaps.push_back(std::max(0.0, r.schedule.makespan_us / best - 1));
  }
  std::sort(gaps.begin(), gaps.end());
  const double median = gaps[gaps.size() / 2], worst = gaps.back();
  MESSAGE("optimality gap over 24 random 8-node DAGs: median " << 100 * median << "%, worst " << 100 * worst << "%");
  CHECK(median <= 0.02);
  CHECK(worst <= 0.25);
}

TEST_CASE("planner: baselines, pinning and determinism") {
  std::mt19937 rng(11);
  const planner::Problem p = planner::random_dag(rng, 30, true, 3.0);
  CHECK_FALSE(planner::all_on(p, 2).has_value());  // some nodes cannot run on the GPU
  const auto cpu = planner::all_on(p, 0);
  REQUIRE(cpu.has_value());
  const planner::Assignment fallback = planner::gpu_with_fallback(p, 2, 0);
  for (size_t n = 0; n < p.nodes.size(); ++n) CHECK(fallback.device_of[n] == (p.nodes[n].time_us[2] < planner::cannot_run ? 2 : 0));
  const planner::SearchResult a = planner::refine(p, planner::heft(p, {}), {});
  const planner::SearchResult b = planner::refine(p, planner::heft(p, {}), {});
  CHECK(a.assignment.device_of == b.assignment.device_of);
  CHECK(a.assignment.priority == b.assignment.priority);
  std::vector<int> pinned(p.nodes.size(), -1);
  pinned[5] = 1;
  planner::SearchOptions options;
  options.pinned = pinned;
  const planner::SearchResult pin = planner::refine(p, planner::heft(p, pinned), options);
  CHECK(pin.assignment.device_of[5] == 1);
}

TEST_CASE("planner: the memory objective trades GPU bytes for latency within the SLO") {
  std::mt19937 rng(5);
  planner::Problem p = planner::random_dag(rng, 16, true, 4.0);
  for (auto& node : p.nodes) node.weight_bytes = 1000;  // weights make the GPU's peak worth saving
  const planner::SearchResult fastest = planner::plan_latency(p, {});
  const double best = fastest.schedule.makespan_us;
  const int64_t fastest_peak = planner::gpu_peak_bytes(p, fastest.schedule);
  REQUIRE(fastest_peak > 0);

  const planner::MemoryResult loose = planner::plan_memory(p, 1.5 * best, {});
  REQUIRE(loose.feasible);
  CHECK(loose.search.schedule.makespan_us <= 1.5 * best + 1e-9);
  CHECK(planner::gpu_peak_bytes(p, loose.search.schedule) < fastest_peak);

  const planner::MemoryResult unbounded = planner::plan_memory(p, 1e12, {});
  CHECK(planner::gpu_peak_bytes(p, unbounded.search.schedule) == 0);  // all on a CPU device meets it

  const planner::MemoryResult impossible = planner::plan_memory(p, 0.5 * best, {});
  CHECK_FALSE(impossible.feasible);
  CHECK(impossible.best_latency_us == doctest::Approx(best));
}

TEST_CASE("planner: --gpu-mem-limit sheds GPU memory until the latency plan fits, or says none does") {
  std::mt19937 rng(21);
  planner::Problem p = planner::random_dag(rng, 16, true, 4.0);
  for (auto& node : p.nodes) node.weight_bytes = 1000;
  const planner::SearchResult fastest = planner::plan_latency(p, {});
  const int64_t peak = planner::gpu_peak_bytes(p, fastest.schedule);
  REQUIRE(peak > 2000);
  planner::SearchOptions options;
  options.gpu_mem_limit_bytes = peak / 2;
  const planner::MemoryResult half = planner::plan_latency_within(p, options);
  REQUIRE(half.feasible);
  CHECK(planner::gpu_peak_bytes(p, half.search.schedule) <= peak / 2);
  CHECK(half.search.schedule.makespan_us >= fastest.schedule.makespan_us - 1e-9);
  // A node pinned to the GPU keeps its 1000 weight bytes there: a 500-byte limit cannot hold.
  size_t gpu_node = 0;
  while (!(p.nodes[gpu_node].time_us[2] < planner::cannot_run)) ++gpu_node;
  options.pinned.assign(p.nodes.size(), -1);
  options.pinned[gpu_node] = 2;
  options.gpu_mem_limit_bytes = 500;
  CHECK_FALSE(planner::plan_latency_within(p, options).feasible);
}
