#pragma once
// The memory objective (Chrion's memory mode): the least GPU memory whose predicted latency
// still meets an SLO. Starts from the latency plan and moves nodes (or chains of sole readers)
// off the GPUs, each time the move that saves the most peak GPU bytes per microsecond of
// latency it adds, while the SLO holds; the baselines that meet the SLO compete with the
// result, so it is never worse than one of them.
#include "planner/algorithms.h"

namespace planner {

// Moves nodes (or chains) off the GPUs from `current`, each time the move saving the most peak
// GPU bytes per microsecond of latency added, keeping the latency under `slo_us`, until the
// peak is at most `target_bytes` or no move saves anything. Returns whether it got there.
bool shed_gpu_memory(const Problem& problem, SearchResult& current, int64_t target_bytes, double slo_us, const SearchOptions& options);

struct MemoryResult {
  SearchResult search;
  bool feasible = false;         // some plan meets the SLO
  double best_latency_us = 0;    // the latency plan's, to tell the user what is possible
};

// `slo_us`: the predicted latency a plan must not exceed. The problem must have a GPU device.
MemoryResult plan_memory(const Problem& problem, double slo_us, const SearchOptions& options);

// The latency objective under --gpu-mem-limit: the latency plan; if its GPU peak is over the
// limit, memory shed as above until it fits, then local search again within the limit.
// `feasible`: a plan fits; `best_latency_us` is then unused, and when none fits the result is
// the least-memory plan found.
MemoryResult plan_latency_within(const Problem& problem, const SearchOptions& options);

}  // namespace planner
