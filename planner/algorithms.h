#pragma once
// Placement algorithms over a Problem (DESIGN.md §5). An Assignment is what the simulator
// takes: a device per node and a priority (a topological order: smaller runs first).
#include <optional>
#include <string>
#include <vector>

#include "planner/problem.h"
#include "planner/simulator.h"

namespace planner {

struct Assignment {
  std::vector<int> device_of;
  std::vector<int> priority;
};

// Upward rank (HEFT's: a node's time plus the longest path of times and copies after it) on
// the assigned devices, as a priority: a topological order that runs the critical path first.
std::vector<int> rank_priority(const Problem& problem, const std::vector<int>& device_of);

// Every node on `device`; nullopt when the device cannot run one of them.
std::optional<Assignment> all_on(const Problem& problem, int device);
// As ONNX Runtime places: every node the GPU can run on it, the rest on `cpu`.
Assignment gpu_with_fallback(const Problem& problem, int gpu, int cpu);

// HEFT (Topcuoglu et al. 2002): nodes by decreasing upward rank over mean costs, each on the
// device where it finishes first, filling gaps in a device's schedule (insertion-based), with
// copy costs between devices. `pinned[n]` >= 0 forces node n's device.
Assignment heft(const Problem& problem, const std::vector<int>& pinned);

// Node n and the nodes after it that are each the sole reader of everything the one before
// writes: a chain that is cheapest moved as one (no copy inside it).
std::vector<int> chain_from(const Problem& problem, int n);

// The thesis's critical-path greedy correction: each node on the schedule's critical path, in
// topological order, moved to the device where it would finish first (its inputs' finish times
// and idle-engine transfers; the device's queue ignored); the whole reassignment kept if the
// simulated makespan drops, and repeated until it does not. plan_latency adds it as a start.
Assignment critical_path_greedy(const Problem& problem, Assignment start, const std::vector<int>& pinned);

// Nodes on the critical path of a schedule: no slack, with every node kept on its device and
// in its place in the device's queue, and every transfer taking as long as it did (engine
// waits included).
std::vector<bool> critical_nodes(const Problem& problem, const Assignment& assignment, const Schedule& schedule);
// The latest start of each node that keeps the schedule's makespan, on those same terms.
std::vector<double> latest_starts(const Problem& problem, const Assignment& assignment, const Schedule& schedule);

// Above this many nodes, local search tries only critical nodes: a pass over all of them costs
// a simulation per node and device, which on 2,000 nodes is seconds.
inline constexpr size_t large_graph_nodes = 500;
// ...and of a pass's moves, only this many with the largest slack margins are simulated.
inline constexpr size_t large_graph_moves = 64;

struct SearchOptions {
  double time_limit_s = 10;
  std::vector<int> pinned;  // per node: a device, or -1
  // --gpu-mem-limit: local search keeps a plan within it once it is (0: no limit); see
  // plan_latency_within for getting there.
  int64_t gpu_mem_limit_bytes = 0;
  // plan_latency on graphs up to large_graph_nodes: restarts of local search from the best plan
  // with a few nodes moved at random (0: none).
  int perturbation_rounds = 100;
  // ...and at most this many simulations in them (a budget in work, not time, so the same
  // inputs give the same plan; ~1 s at 500 nodes).
  int perturbation_simulations = 30000;
  // plan_latency on graphs up to this many nodes (and without a GPU memory limit): branch and
  // bound (exact.h) from the heuristic's plan, for up to exact_max_visits partial assignments
  // (a budget in work, not time, so the same inputs give the same plan; ~1-2 s) or the time
  // limit, whichever ends first.
  size_t exact_max_nodes = 24;
  int64_t exact_max_visits = 2'000'000;
};

struct SearchResult {
  Assignment assignment;
  Schedule schedule;
  int iterations = 0;  // simulations run
  int moves = 0;       // improvements accepted
  bool timed_out = false;
  bool exact_searched = false;  // branch and bound ran after the heuristics
  bool proven_optimal = false;  // ...and finished: no assignment simulates shorter
};

// Local search on the simulator: move one node, or a node with the chain of sole readers after
// it, to another device; keep a move that shortens the makespan; repeat until a pass over the
// nodes (critical ones first; on large graphs critical ones only) improves nothing or the time
// limit ends it. Deterministic for the same inputs (the
// time limit aside).
SearchResult refine(const Problem& problem, Assignment start, const SearchOptions& options);

// The latency objective: local search from HEFT's plan and from every baseline (each device
// alone where it can run everything, GPU with CPU fallback), the best result kept, then on
// graphs up to large_graph_nodes iterated local search from it (perturbation_rounds), and on
// graphs up to exact_max_nodes branch and bound from that. Several
// starts escape the local optima one start gets stuck in (measured on random DAGs: the
// median gap to exhaustive search over 24 random 8-node DAGs fell from 2.8% to 0.14%, the
// worst from 46% to 12%).
SearchResult plan_latency(const Problem& problem, const SearchOptions& options);

}  // namespace planner
