#pragma once
// The memory objective (Chrion's memory mode): the least GPU memory whose predicted latency
// still meets an SLO. Starts from the latency plan and moves nodes (or chains of sole readers)
// off the GPUs, each time the move that saves the most peak GPU bytes per microsecond of
// latency it adds, while the SLO holds; the baselines that meet the SLO compete with the
// result, so it is never worse than one of them.
#include "planner/algorithms.h"

namespace planner {

// The largest peak over the GPU devices: what the memory objective minimises.
int64_t gpu_peak_bytes(const Problem& problem, const Schedule& schedule);

struct MemoryResult {
  SearchResult search;
  bool feasible = false;         // some plan meets the SLO
  double best_latency_us = 0;    // the latency plan's, to tell the user what is possible
};

// `slo_us`: the predicted latency a plan must not exceed. The problem must have a GPU device.
MemoryResult plan_memory(const Problem& problem, double slo_us, const SearchOptions& options);

}  // namespace planner
