#include "runtime/layout_plan.h"

namespace runtime {

namespace {

// A tensor that may be stored channels-last: a float32 activation of rank 3 or more, computed
// inside the graph (not an input, output or constant) and not layout-invariant.
bool candidate(const ir::Graph& graph, ir::TensorId id) {
  const ir::Tensor& t = graph.tensor(id);
  return t.kind == ir::TensorKind::activation && !t.value && !t.is_graph_output && t.dtype == ir::DType::float32 &&
         t.shape_known && t.shape.size() >= 3 && !layout_invariant(t.shape);
}

// The rank of a uniform step's activations: its first output's.
size_t step_rank(const ir::Graph& graph, const LayoutStep& step) {
  return step.outputs.empty() || step.outputs[0] == ir::no_tensor ? 0 : graph.tensor(step.outputs[0]).shape.size();
}

// Whether the step can take tensor `id` channels-last in that position.
bool accepts(const ir::Graph& graph, const LayoutStep& step, ir::TensorId id, bool as_output) {
  switch (step.rule) {
    case LayoutRule::plain_only: return false;
    case LayoutRule::any: {
      // Only the data input and the output: weights and the rest stay plain.
      const auto& list = as_output ? step.outputs : step.inputs;
      if (list.empty() || list[0] != id) return false;
      for (size_t i = 1; i < list.size(); ++i)
        if (list[i] == id) return false;
      return true;
    }
    case LayoutRule::uniform: return graph.tensor(id).shape.size() == step_rank(graph, step);
  }
  return false;
}

// The tensors that must share a uniform step's layout: those of its rank whose bytes differ
// between layouts.
std::vector<ir::TensorId> uniform_group(const ir::Graph& graph, const LayoutStep& step) {
  std::vector<ir::TensorId> group;
  const size_t rank = step_rank(graph, step);
  for (const auto* list : {&step.inputs, &step.outputs})
    for (ir::TensorId t : *list)
      if (t != ir::no_tensor && graph.tensor(t).shape.size() == rank && !layout_invariant(graph.tensor(t).shape)) group.push_back(t);
  return group;
}

}  // namespace

std::vector<Layout> plan_layouts(const ir::Graph& graph, const std::vector<LayoutStep>& steps, const std::vector<bool>& plain_only) {
  const size_t count = graph.tensors.size();
  std::vector<int> producer(count, -1);
  std::vector<std::vector<int>> readers(count);
  for (size_t s = 0; s < steps.size(); ++s) {
    for (ir::TensorId t : steps[s].outputs)
      if (t != ir::no_tensor) producer[static_cast<size_t>(t)] = static_cast<int>(s);
    for (ir::TensorId t : steps[s].inputs)
      if (t != ir::no_tensor) readers[static_cast<size_t>(t)].push_back(static_cast<int>(s));
  }

  // Start optimistic: channels-last wherever the producer and every reader can take it...
  std::vector<Layout> layouts(count, Layout::plain);
  for (size_t t = 0; t < count; ++t) {
    const auto id = static_cast<ir::TensorId>(t);
    if (producer[t] < 0 || readers[t].empty() || !candidate(graph, id) || (t < plain_only.size() && plain_only[t])) continue;
    bool ok = accepts(graph, steps[static_cast<size_t>(producer[t])], id, true);
    for (int r : readers[t]) ok = ok && accepts(graph, steps[static_cast<size_t>(r)], id, false);
    if (ok) layouts[t] = Layout::channels_last;
  }
  // ...then a uniform step with one plain member makes its whole group plain, until nothing
  // changes (only channels-last -> plain flips, so this ends).
  for (bool changed = true; changed;) {
    changed = false;
    for (const LayoutStep& step : steps) {
      if (step.rule != LayoutRule::uniform) continue;
      const auto group = uniform_group(graph, step);
      bool any_plain = false, any_last = false;
      for (ir::TensorId t : group) (layouts[static_cast<size_t>(t)] == Layout::plain ? any_plain : any_last) = true;
      if (!any_plain || !any_last) continue;
      for (ir::TensorId t : group) layouts[static_cast<size_t>(t)] = Layout::plain;
      changed = true;
    }
  }
  return layouts;
}

void step_layouts(const ir::Graph& graph, const LayoutStep& step, const std::vector<Layout>& layouts, std::vector<Layout>& inputs,
                  std::vector<Layout>& outputs) {
  auto layout_of = [&](ir::TensorId t) { return t == ir::no_tensor ? Layout::plain : layouts[static_cast<size_t>(t)]; };
  inputs.clear();
  outputs.clear();
  for (ir::TensorId t : step.inputs) inputs.push_back(layout_of(t));
  for (ir::TensorId t : step.outputs) outputs.push_back(layout_of(t));
  if (step.rule != LayoutRule::uniform) return;
  bool channels_last = false;
  for (Layout l : inputs) channels_last = channels_last || l == Layout::channels_last;
  for (Layout l : outputs) channels_last = channels_last || l == Layout::channels_last;
  if (!channels_last) return;
  const size_t rank = step_rank(graph, step);
  auto invariant_of_rank = [&](ir::TensorId t) {
    return t != ir::no_tensor && graph.tensor(t).shape.size() == rank && layout_invariant(graph.tensor(t).shape);
  };
  for (size_t i = 0; i < step.inputs.size(); ++i)
    if (invariant_of_rank(step.inputs[i])) inputs[i] = Layout::channels_last;
  for (size_t i = 0; i < step.outputs.size(); ++i)
    if (invariant_of_rank(step.outputs[i])) outputs[i] = Layout::channels_last;
}

}  // namespace runtime
