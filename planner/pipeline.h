#pragma once
// The throughput objective (PipeDream's and Tarnawski et al.'s contiguous stages): the graph's
// order cut into stages, each on its own device, requests flowing through them one after
// another, so device k works on request r while device k+1 works on request r-1. Throughput is
// set by the slowest resource (a stage's device or the link into it); per-request latency is
// the sum of the stages and transfers.
#include <optional>
#include <vector>

#include "planner/problem.h"

namespace planner {

struct Stage {
  int device = 0;
  int first = 0, last = 0;  // nodes [first, last] in the problem's order
  double compute_us = 0;    // the stage's nodes on its device
  double transfer_us = 0;   // what crosses into it from the stage before (or the host)
  int64_t transfer_bytes = 0;
};

struct Pipeline {
  std::vector<Stage> stages;
  double bottleneck_us = 0;  // the slowest stage or transfer: 1e6 / it is requests per second
  double latency_us = 0;     // one request through every stage and transfer
  double throughput_per_s() const { return bottleneck_us > 0 ? 1e6 / bottleneck_us : 0.0; }
};

// Dynamic programming over cut points in the problem's topological order, each device used at
// most once, maximising throughput with latency <= `slo_us` (infinite: no bound). Tensors
// produced before a cut and read after it cross it (forwarded stage to stage, as activations
// are in a pipeline), as do graph inputs into the first stage and outputs back to the host
// from the last. nullopt when no split meets the SLO or no device runs every node of a stage.
std::optional<Pipeline> plan_pipeline(const Problem& problem, double slo_us);

// The same over every split and device order, by enumeration: the test oracle (small problems).
std::optional<Pipeline> brute_force_pipeline(const Problem& problem, double slo_us);

// Per node, its stage's device (for simulating one request of the pipeline plan).
std::vector<int> devices_of(const Problem& problem, const Pipeline& pipeline);

}  // namespace planner
