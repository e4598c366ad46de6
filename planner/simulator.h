#pragma once
// The planner's prediction of a plan (DESIGN.md §5): an event-driven schedule of an assignment
// (node -> device) and a priority order, as the executor runs plans: one queue per device (a
// device runs one node at a time; among its ready nodes the one first in the order), a copy
// engine per direction between each pair of places (copies overlap compute), a tensor copied
// once per device that reads it, graph inputs from the host and outputs back to it, and per
// device the bytes alive over time (weights of its nodes resident throughout; an activation
// from its producer's start, or its copy's, to its last reader's end there).
#include <vector>

#include "planner/problem.h"

namespace planner {

struct Copy {
  int tensor = 0, from = host, to = host;  // places: host or a device index
  int64_t bytes = 0;
  double start_us = 0, end_us = 0;
};

struct Schedule {
  double makespan_us = 0;            // the last output back on the host
  std::vector<double> start_us, end_us;  // per node
  std::vector<double> busy_us;       // per device: time running nodes
  std::vector<int64_t> peak_bytes;   // per device: weights + live activations at the peak
  // Per device, with record_memory only: (time, live bytes from then on), at every change.
  std::vector<std::vector<std::pair<double, int64_t>>> memory_steps;
  std::vector<Copy> copies;
  int64_t copied_bytes() const;
};

// `device_of[n]`: the device running node n (which must be able to: time_us finite);
// `priority[n]`: smaller runs first among a device's ready nodes (the order a plan lists).
// Throws std::invalid_argument for an assignment to a device that cannot run the node.
// `record_memory`: also each device's live bytes over time (for reports; the searches skip it).
Schedule simulate(const Problem& problem, const std::vector<int>& device_of, const std::vector<int>& priority, bool record_memory = false);

// The largest peak over the GPU devices: what the memory objective minimises and
// --gpu-mem-limit bounds.
int64_t gpu_peak_bytes(const Problem& problem, const Schedule& schedule);

// The priority that runs nodes in the problem's own (topological) order.
std::vector<int> graph_order(const Problem& problem);

}  // namespace planner
