#pragma once
// What the planner plans over, as plain numbers: per node its predicted time on each device
// (or that the device cannot run it), the tensors it reads and writes with their sizes, the
// weight bytes it keeps resident, and what moving bytes between two devices costs. Built from a
// Graph and a CostModel (problem_from), or by hand in tests: the simulator and the algorithms
// never see a kernel, a graph or a profile.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace planner {

inline constexpr double cannot_run = std::numeric_limits<double>::infinity();
inline constexpr int host = -1;  // where graph inputs come from and outputs go to

struct PlanDevice {
  std::string name;
  bool is_gpu = false;  // its memory is not the host's: tensors crossing to it are copied
  // Its nodes' time while another device is running, over their time alone (cores, caches and
  // memory bandwidth shared): the simulator stretches a node by it for the share of its time
  // another device is busy. 1: no slowdown measured.
  double co_run_factor = 1;
};

struct PlanTensor {
  std::string name;
  int64_t bytes = 0;
  int producer = -1;           // node index; -1 for a graph input
  std::vector<int> consumers;  // node indices, each once
  bool graph_output = false;
};

struct PlanNode {
  std::string name, op_type;
  std::vector<int> inputs, outputs;  // tensor indices (activations only; weights in weight_bytes)
  std::vector<double> time_us;       // per device; cannot_run where it has no kernel
  int64_t weight_bytes = 0;          // resident on every device that runs it
  // A node the runs fuse into its producer's kernel (a Relu after a Conv) costs time_us only
  // beside that producer; on another device it runs alone and costs unfused_us. -1: none.
  int fused_with = -1;
  std::vector<double> unfused_us;    // per device, where fused_with >= 0
  // What the node costs on device d, given where its producer runs.
  double cost_on(size_t d, const std::vector<int>& device_of) const {
    return fused_with >= 0 && device_of[static_cast<size_t>(fused_with)] != static_cast<int>(d) ? unfused_us[d] : time_us[d];
  }
};

// A transfer's cost: latency + bytes / bandwidth, per ordered pair of places (host or device).
struct LinkCost {
  double latency_us = 0;
  double bytes_per_us = 0;  // 0: nothing is copied (shared memory), the latency alone counts
  double time_us(int64_t bytes) const { return latency_us + (bytes_per_us > 0 ? static_cast<double>(bytes) / bytes_per_us : 0.0); }
};

struct Problem {
  std::vector<PlanDevice> devices;
  std::vector<PlanNode> nodes;      // in a topological order
  std::vector<PlanTensor> tensors;
  // links[from + 1][to + 1]: host is index 0, device d is d + 1.
  std::vector<std::vector<LinkCost>> links;

  const LinkCost& link(int from, int to) const { return links[static_cast<size_t>(from + 1)][static_cast<size_t>(to + 1)]; }
  // Whether a tensor in `from`'s memory is read in place by `to` (host and CPU devices).
  bool shares_memory(int from, int to) const {
    auto on_host = [&](int place) { return place == host || !devices[static_cast<size_t>(place)].is_gpu; };
    return from == to || (on_host(from) && on_host(to));
  }
  // Moving `bytes` from place `from` to place `to`, as the simulator charges it with idle copy
  // engines: nothing within a place, the hand-off latency within shared memory, a copy else.
  double transfer_us(int from, int to, int64_t bytes) const {
    if (from == to) return 0.0;
    if (shares_memory(from, to)) return link(from, to).latency_us;
    return link(from, to).time_us(bytes);
  }
};

}  // namespace planner
