#pragma once
// Resolves every tensor's concrete shape: binds the graph inputs' symbolic dims from the
// user's --shape/--batch, then runs each node's shape function (ir/ops.def) in order,
// folding small constant computations on the way.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace ir {

struct ShapeBindings {
  std::map<std::string, std::vector<int64_t>> input_shapes;  // --shape name:1x3x224x224
  std::optional<int64_t> batch;                              // --batch N: every symbolic leading dim
  int64_t max_tensor_bytes = int64_t{64} << 30;              // --max-tensor-bytes
  int64_t max_folded_elements = 1 << 16;                     // larger constants are left to run time
};

struct ShapeReport {
  std::vector<NodeId> unsupported;  // unknown op or nested subgraph
  std::vector<NodeId> unresolved;   // outputs unknown because an input's shape is unknown
};

// Throws ir::Error(shape) naming the model (`label`), input, node or flag on any failure;
// unknown ops do not fail: their outputs stay unresolved and are listed in the report.
ShapeReport resolve_shapes(Graph& graph, const ShapeBindings& bindings, const std::string& label);

// "1x3x224x224" -> {1,3,224,224}; throws ir::Error(usage) naming `flag` when malformed.
std::vector<int64_t> parse_dims(const std::string& text, const std::string& flag);

}  // namespace ir
