#pragma once
// The throughput objective (PipeDream's and Tarnawski et al.'s contiguous stages): the graph's
// order cut into stages, each on its own device, requests flowing through them one after
// another, so device k works on request r while device k+1 works on request r-1. A device may
// hold more than one stage (the CPU pre-processing before the GPU's stage and post-processing
// after it): it then spends the sum of its stages on every request. Throughput is set by the
// busiest resource — a device over all its stages, or the copies between one pair of places —
// and per-request latency is the sum of the stages and transfers.
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
  double bottleneck_us = 0;  // the busiest device or link per request: 1e6 / it is requests per second
  double latency_us = 0;     // one request through every stage and transfer
  bool timed_out = false;    // the search's time limit stopped it: the best found, maybe not the best
  bool every_cut = true;     // every position could begin a stage (else cut_positions of them)
  int cut_positions = 0;     // positions inside the order where a stage could begin
  double throughput_per_s() const { return bottleneck_us > 0 ? 1e6 / bottleneck_us : 0.0; }
};

// How many stages one device may hold. Two covers pre-processing, model, post-processing on
// CPU, GPU, CPU; more would let a device interleave with itself, which the executor's single
// queue per device serialises anyway.
inline constexpr int default_stages_per_device = 2;

// Larger graphs begin stages only at every position where the devices able to run a node
// change, plus positions spread evenly by work until there are this many (more when support
// changes more often): the search is quadratic in them.
inline constexpr int max_cut_points = 256;

// Dynamic programming over cut points in the problem's topological order, each device in at
// most `max_stages_per_device` stages and never in two in a row, maximising throughput with
// latency <= `slo_us` (infinite: no bound). Tensors produced before a cut and read after it
// cross it (forwarded stage to stage, as activations are in a pipeline), as do graph inputs
// into the first stage and outputs back to the host from the last. nullopt when no split meets
// the SLO or no device runs every node of a stage. Exact over the cut points (every position
// up to max_cut_points + 1 nodes): the least bottleneck (to 1e-9 relative), then the least
// latency; `time_limit_s` cuts it short with the best found.
std::optional<Pipeline> plan_pipeline(const Problem& problem, double slo_us, int max_stages_per_device = default_stages_per_device,
                                      double time_limit_s = cannot_run);

// The same over every split and device sequence, by enumeration: the test oracle (small problems).
std::optional<Pipeline> brute_force_pipeline(const Problem& problem, double slo_us, int max_stages_per_device = default_stages_per_device);

// Per node, its stage's device (for simulating one request of the pipeline plan).
std::vector<int> devices_of(const Problem& problem, const Pipeline& pipeline);

}  // namespace planner
