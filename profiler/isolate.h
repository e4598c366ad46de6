#pragma once
// One node of a resolved graph as a graph of its own, for the profiler: the node's computed
// inputs become graph inputs with their resolved shapes, its constant inputs (weights, folded
// values) stay constants sharing the model's bytes (no copy), and its outputs are the graph's.
#include "ir/graph.h"

namespace profiler {

// Throws ir::Error(shape) naming the node when an input's shape was not resolved.
ir::Graph isolate_node(const ir::Graph& graph, ir::NodeId node);

}  // namespace profiler
