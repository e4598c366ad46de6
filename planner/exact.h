#pragma once
// Exact latency search for small graphs (issue 7): branch and bound over every assignment of
// nodes to devices, each scheduled as plans are (rank priority, the simulator). What the
// heuristics' optimality gap is measured against (tests/planner, bench/planner_gap); up to
// about 24 nodes on 2-3 devices in seconds.
#include <cstdint>

#include "planner/algorithms.h"

namespace planner {

struct ExactResult {
  Assignment assignment;
  Schedule schedule;
  bool proven = false;  // the search finished: no assignment is better (else the limit ended it)
  int64_t leaves = 0;   // complete assignments simulated
  int64_t visited = 0;  // partial assignments looked at
  bool stopped_by_time = false;  // the time limit ended it (else the work budget, or it finished)
};

// The best assignment by simulated makespan. `incumbent` (say plan_latency's device_of) is
// tried first, so the bound prunes from the start; the result is never worse than it.
// Devices that are interchangeable (same times for every node, same links, same kind) are
// tried in one order only. Honours options.pinned, options.time_limit_s and, when positive,
// options.exact_max_visits.
ExactResult branch_and_bound(const Problem& problem, const SearchOptions& options, const std::vector<int>& incumbent = {});

}  // namespace planner
