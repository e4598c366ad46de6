#pragma once
// Evaluates small constant computations while shapes are resolved, so shape-computing
// subgraphs (Shape -> Gather -> Concat -> Reshape, as exporters write them) give the
// constant inputs that Reshape, Expand, Slice... need.
#include <cstdint>

#include "ir/graph.h"

namespace ir {

// When node `id` (whose output shapes are already resolved) can be computed from
// constant inputs — all inputs constant and at most `max_elements` each, or a Shape/Size
// of a resolved tensor, or an Identity of a weight (shared, not copied) — stores its
// outputs' values and returns true.
bool fold_constant_node(Graph& graph, NodeId id, int64_t max_elements);

}  // namespace ir
