#pragma once
// Writes part of a resolved ir::Graph as an ONNX model of its own (partplan export): the
// chosen nodes in graph order, the chosen tensors as its inputs and outputs with their dtypes
// and resolved shapes, and every constant those nodes read (weights, Constant values, values
// folded while resolving shapes) as an initializer. Like the reader, the only place with
// protobuf.
#include <string>
#include <vector>

#include "ir/graph.h"

namespace onnx_loader {

struct SubgraphModel {
  std::string name;  // the graph's name inside the file
  std::vector<ir::NodeId> nodes;
  std::vector<ir::TensorId> inputs, outputs;
};

// Writes `path` (atomically: a temporary file renamed). Throws ir::Error(unsupported) naming
// the node for what cannot be written (a nested graph, an attribute of a kind partplan does
// not keep, a node of another domain), ir::Error(file) when the file cannot be written.
void write_subgraph_model(const ir::Graph& graph, const SubgraphModel& part, const std::string& path);

}  // namespace onnx_loader
