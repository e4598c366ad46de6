#pragma once
// A plan cut into parts that run as models of their own, each holding nodes of one device.
// The parts follow the plan's schedule: a part's inputs are ready when the plan starts it and
// its outputs leave when the plan sends them, so parts the plan runs at once (two branches on
// two devices) are separate parts of one stage and can run at once. A stage is the longest
// chain of parts before it: running the parts stage by stage reproduces the model.
#include <string>
#include <vector>

#include "ir/graph.h"
#include "planner/plan.h"

namespace exporter {

struct Part {
  std::string name;    // "part03_cuda0": stage-ordered index and device
  std::string device;  // a plan device's name
  int stage = 0;
  std::vector<ir::NodeId> nodes;                 // graph order
  std::vector<ir::TensorId> inputs, outputs;     // activations crossing its boundary, graph order
};

// The parts of `plan` over the resolved `graph` it was made for, in stage order (within a stage
// by device order). Throws ir::Error(usage) naming the plan for a node of the graph the plan
// lacks (constant nodes excepted: their values become initializers) or a graph output nothing
// computes (a constant).
std::vector<Part> partition_plan(const ir::Graph& graph, const planner::Plan& plan, const std::string& plan_path);

}  // namespace exporter
