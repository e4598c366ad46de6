#pragma once
// Subgraphs that exporters write out op by op for what ONNX (and every runtime) has as one op:
// LayerNormalization spelled ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add (torch before
// opset 17) and GELU spelled Div/Erf/Add/Mul/Mul. The executor runs each match as that one op's
// kernel: one pass over memory instead of nine.
#include <vector>

#include "ir/graph.h"

namespace runtime {

struct PatternMatch {
  size_t host = 0;              // the match's first node in graph order: its kernel runs there
  std::vector<size_t> absorbed;  // the match's other nodes (not run)
  ir::Node op;                   // the equivalent standard node, over the graph's own tensors
};

// Every match, at most one per node; a node's outputs read outside the match end it.
std::vector<PatternMatch> find_patterns(const ir::Graph& graph);

}  // namespace runtime
