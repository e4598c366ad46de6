#pragma once
// The planning problem for a model: its resolved graph (shapes and costs computed) priced by a
// cost model on the named devices. Constant nodes (folded shape computations) are left out:
// nothing runs them. Their values and the weights count as weight bytes of their readers.
// A node's time is the cost model's prediction times its scale into a run (DeviceModel::run_scale).
#include <string>
#include <vector>

#include "costmodel/cost_model.h"
#include "ir/graph.h"
#include "planner/problem.h"

namespace planner {

struct ModelProblem {
  Problem problem;
  std::vector<ir::NodeId> graph_node;                     // per problem node: the graph's node
  std::vector<std::vector<costmodel::Prediction>> predicted;  // per problem node, per device
};

// Throws ir::Error(usage) for a device the cost model lacks, or a GPU whose host link it lacks.
ModelProblem problem_from(const ir::Graph& graph, const std::string& model_sha256, const costmodel::CostModel& model,
                          const std::vector<std::string>& devices);

}  // namespace planner
