#pragma once
// Chooses each activation's layout (runtime/layout.h) from what the kernels that produce and
// read it can take: an activation stays channels-last between convolutions when every kernel
// on the way handles it, so no kernel converts it back and forth. Graph inputs, outputs and
// constants are always plain.
#include <vector>

#include "ir/graph.h"
#include "runtime/layout.h"

namespace runtime {

// One kernel as the planner sees it: what it reads and writes (after fusion: a fused chain is
// one step writing the last fused node's output) and its rule.
struct LayoutStep {
  std::vector<ir::TensorId> inputs, outputs;  // ir::no_tensor for omitted ones
  LayoutRule rule = LayoutRule::plain_only;
};

// Per tensor of the graph: its layout. Tensors marked in `plain_only` (read on another device
// than the one that writes them) stay plain whatever their kernels take.
std::vector<Layout> plan_layouts(const ir::Graph& graph, const std::vector<LayoutStep>& steps, const std::vector<bool>& plain_only = {});

// What the step's kernel is told (Kernel::set_layouts): each tensor's layout, except that a
// layout-invariant tensor of the step's rank reads as channels-last when the step runs so.
void step_layouts(const ir::Graph& graph, const LayoutStep& step, const std::vector<Layout>& layouts, std::vector<Layout>& inputs,
                  std::vector<Layout>& outputs);

}  // namespace runtime
