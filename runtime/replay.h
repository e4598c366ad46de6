#pragma once
// What Executor::replay takes and gives: a plan run on its devices at once, one thread driving
// each device through its nodes in the plan's order, several requests in flight (a pipeline's
// stages work on successive requests), under a closed loop (a fixed number of requests in
// flight) or an open one (requests arriving at given times).
#include <cstdint>
#include <vector>

#include "runtime/tensor.h"

namespace runtime {

struct ReplayOptions {
  // Per node of the graph: its place in its device's queue (a plan's `order`); empty: graph
  // order. Each device runs its nodes of one request in this order, as their inputs arrive.
  std::vector<int> order;
  int requests = 1;
  // Requests in flight at most: the bound on every queue between devices (back-pressure). A
  // request is admitted only when one of these slots is free.
  int concurrency = 1;
  // Open loop: when each request arrives, in microseconds from the start (non-decreasing,
  // `requests` of them); a request that finds every slot taken waits, and its latency counts
  // from its arrival. Empty: closed loop (the next request starts as soon as a slot is free).
  std::vector<double> arrivals_us;
  // Keep every request's per-node start and end (else only the sums per node).
  bool record_nodes = false;
};

struct NodeSpan {
  double start_us = 0, end_us = 0;  // from the replay's start, on the host's steady clock
};

struct CopySpan {
  int request = 0;
  int tensor = -1;        // ir::TensorId of the graph
  int from = 0, to = 0;   // device indices; -1: host memory
  int64_t bytes = 0;
  double start_us = 0, end_us = 0;  // from the replay's start, as NodeSpan
};

struct RequestRecord {
  double arrived_us = 0;   // open loop: its arrival; closed loop: its admission
  double admitted_us = 0;  // a slot was free and its inputs were handed to the devices
  double finished_us = 0;  // its last node done (a GPU's work finished, not just issued)
  double latency_us() const { return finished_us - arrived_us; }
};

struct ReplayResult {
  double wall_us = 0;                      // first admission to last finish
  std::vector<RequestRecord> requests;     // in arrival order
  std::vector<std::vector<NodeSpan>> spans;  // [request][node] with record_nodes (0, 0 for nodes not run)
  std::vector<CopySpan> copy_spans;          // with record_nodes: every copy between memories
  std::vector<double> node_total_us;       // per node: summed over requests
  std::vector<double> device_busy_us;      // per device: its nodes' time, summed
  int64_t copies = 0, copied_bytes = 0;    // tensors moved between memories, all requests
  double copy_us = 0;                      // time the driving threads spent in those copies (a copy from a GPU waits for its stream)
  int most_waiting = 0;                    // open loop: the most requests an arrival found waiting for a slot
  std::vector<Tensor> outputs;             // the last request's, in graph.outputs order
};

}  // namespace runtime
