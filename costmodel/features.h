#pragma once
// What a node's cost is predicted from: its op, FLOPs, bytes moved, weight bytes and input
// shapes, taken alike from a profile's node record (training) and from a resolved graph
// (planning), so the two can never disagree on what a feature means.
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "profiler/profile.h"

namespace costmodel {

struct NodeFeatures {
  std::string model_sha256, name, op_type;
  std::vector<std::vector<int64_t>> input_shapes;
  double flops = 0;
  double bytes = 0;  // read + written
  double param_bytes = 0;
  // What grows with the node's size: FLOPs, or bytes for a node that computes nothing.
  double work() const { return flops > 0 ? flops : bytes; }
};

NodeFeatures features_of(const profiler::NodeRecord& record, const std::string& model_sha256);
// `graph` has resolved shapes and costs (ir::compute_costs).
NodeFeatures features_of(const ir::Graph& graph, ir::NodeId node, const std::string& model_sha256);

// What a measured node costs a plan: its median time, and on a GPU traced with CUPTI the
// larger of the kernels' time and the host's time issuing them. The executor issues a device's
// nodes from one host thread, so a model of small kernels is launch-bound: resnet_small on an
// H100 at batch 2 has 0.22 ms of kernels, 1.2 ms of node launches, and `partplan run` measures
// 1.04 ms. Empty when the node was not measured there.
std::optional<double> planning_us(const profiler::NodeResult& result);
// The same for a whole model run end to end, unfused (as the nodes were timed).
double planning_us(const profiler::WholeModel& whole);
// The whole model as `partplan run` runs it: fused when the profile has that run, else unfused.
double run_us(const profiler::WholeModel& whole);

// The op family a kind falls back to when it has too few points of its own, from the cost
// function ops.def gives it: "elementwise", "movement", "conv", "matmul", "normalization",
// "pool", "reduce", "recurrent"; "other" for an op partplan does not know.
std::string op_family(const std::string& op_type);

// The formulas a cost model may take; each has a constant term first.
//   linear:    t = c0 + c1 flops + c2 bytes (+ op terms)           non-negative coefficients
//   quadratic: linear + flops^2, bytes^2, flops*bytes              non-negative coefficients
//   loglog:    ln t = c0 + c1 ln(1+flops) + c2 ln(1+bytes) (+ ln(1+op terms))   a power law
//   proportional: t = c1 work, or t = c0 when nothing does work (one or two points)
enum class Form { linear, quadratic, loglog, proportional };
const char* form_name(Form form);
Form form_from_name(const std::string& name);  // throws std::invalid_argument

// The terms of `form` for a node, constant first (for loglog, the logarithms).
std::vector<double> terms(const NodeFeatures& f, Form form);
std::vector<std::string> term_names(const NodeFeatures& f, Form form);

}  // namespace costmodel
