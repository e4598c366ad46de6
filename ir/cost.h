#pragma once
// Per-node work (FLOPs, bytes moved, weight bytes) and per-graph totals, from resolved shapes.
#include <cstdint>

#include "ir/graph.h"

namespace ir {

struct GraphTotals {
  double flops = 0;
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t param_count = 0;  // elements of floating-point initializers, each counted once
  int64_t param_bytes = 0;
  // Most activation bytes alive at once when running nodes in graph order, freeing each
  // tensor after its last consumer (graph inputs and outputs included, weights excluded).
  int64_t peak_activation_bytes = 0;
};

// Fills graph.costs (one per node). Nodes with unresolved shapes get zero cost.
void compute_costs(Graph& graph);
GraphTotals graph_totals(const Graph& graph);
// True when every output of the node was folded to a constant (a shape computation).
bool is_constant_node(const Graph& graph, const Node& node);

}  // namespace ir
