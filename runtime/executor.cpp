#include "runtime/executor.h"

#include <chrono>

#include "ir/cost.h"
#include "ir/error.h"
#include "runtime/layout_plan.h"
#include "runtime/pattern_fusion.h"

namespace runtime {

Tensor constant_tensor(const ir::Tensor& tensor) {
  Tensor t;
  t.dtype = tensor.value->dtype;
  t.shape = tensor.value->dims;
  // Kernels never write their inputs, so the weight's bytes are used in place, not copied.
  t.data = const_cast<char*>(tensor.value->bytes.data());
  return t;
}

namespace {

// A node with one output that reads `tail` once, as input 0 (or either input of Add and Mul),
// with constant other inputs.
bool unary_reader(const ir::Graph& graph, const ir::Node& reader, ir::TensorId tail) {
  if (reader.inputs.empty() || ir::is_constant_node(graph, reader)) return false;
  const bool commutative = reader.op == ir::OpKind::Add || reader.op == ir::OpKind::Mul;
  const size_t at = reader.inputs[0] == tail ? 0 : 1;
  if (reader.inputs[at] != tail || (at == 1 && !commutative)) return false;
  for (size_t i = 0; i < reader.inputs.size(); ++i)
    if (i != at && reader.inputs[i] != ir::no_tensor && (reader.inputs[i] == tail || !graph.tensor(reader.inputs[i]).value)) return false;
  if (reader.outputs.empty() || reader.outputs[0] == ir::no_tensor) return false;
  for (size_t o = 1; o < reader.outputs.size(); ++o)
    if (reader.outputs[o] != ir::no_tensor) return false;
  return true;
}

// The nodes that compute one function of `tail` alone and are its only readers, in order: its
// sole reader (an activation, a BatchNormalization), or Sigmoid + Mul computing
// tail * sigmoid(tail) (SiLU/swish as exporters write it). Empty when there is none.
std::vector<const ir::Node*> next_link(const ir::Graph& graph, ir::TensorId tail) {
  const ir::Tensor& t = graph.tensor(tail);
  if (t.is_graph_output) return {};
  if (t.consumers.size() == 1) {
    const ir::Node& reader = graph.node(t.consumers[0]);
    if (unary_reader(graph, reader, tail)) return {&reader};
    return {};
  }
  if (t.consumers.size() != 2) return {};
  const ir::Node* sigmoid = &graph.node(t.consumers[0]);
  const ir::Node* mul = &graph.node(t.consumers[1]);
  if (sigmoid->op != ir::OpKind::Sigmoid) std::swap(sigmoid, mul);
  if (sigmoid->op != ir::OpKind::Sigmoid || mul->op != ir::OpKind::Mul || !unary_reader(graph, *sigmoid, tail)) return {};
  const ir::TensorId gate = sigmoid->outputs[0];
  const ir::Tensor& g = graph.tensor(gate);
  if (g.is_graph_output || g.consumers.size() != 1 || mul->inputs.size() != 2 || mul->outputs.size() != 1) return {};
  const bool pair = (mul->inputs[0] == tail && mul->inputs[1] == gate) || (mul->inputs[0] == gate && mul->inputs[1] == tail);
  if (!pair || ir::is_constant_node(graph, *mul)) return {};
  return {sigmoid, mul};
}

// Successive links after `node`, which must have one output (at most a few: Conv ->
// BatchNormalization -> Relu).
std::vector<std::vector<const ir::Node*>> fusion_chain(const ir::Graph& graph, const ir::Node& node) {
  std::vector<std::vector<const ir::Node*>> chain;
  if (node.outputs.size() != 1 || node.outputs[0] == ir::no_tensor) return chain;
  for (auto link = next_link(graph, node.outputs[0]); !link.empty() && chain.size() < 4;
       link = next_link(graph, chain.back().back()->outputs[0]))
    chain.push_back(std::move(link));
  return chain;
}

}  // namespace

Executor::Executor(const ir::Graph& graph, Device& device, ExecutorOptions options)
    : Executor(graph, std::vector<Device*>{&device}, std::vector<int>(graph.nodes.size(), 0), std::move(options)) {}

Executor::Executor(const ir::Graph& graph, std::vector<Device*> devices, std::vector<int> placement, ExecutorOptions options)
    : graph_(graph), devices_(std::move(devices)), placement_(std::move(placement)) {
  if (placement_.size() != graph.nodes.size())
    throw ir::Error(ir::ErrorKind::usage, "a placement names " + std::to_string(placement_.size()) + " nodes, the graph has " +
                                              std::to_string(graph.nodes.size()));
  for (size_t i = 0; i < placement_.size(); ++i)
    if (placement_[i] < 0 || static_cast<size_t>(placement_[i]) >= devices_.size())
      throw ir::Error(ir::ErrorKind::usage, "node '" + graph.nodes[i].name + "' is placed on device " + std::to_string(placement_[i]) +
                                                " of " + std::to_string(devices_.size()));
  constants_.resize(graph.tensors.size());
  is_constant_.resize(graph.tensors.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    is_constant_[t] = graph.tensors[t].value != nullptr;
    if (is_constant_[t]) constants_[t] = constant_tensor(graph.tensors[t]);
  }

  // Nodes folded to constants (e.g. a Shape of an activation) are never run, so they are not
  // uses: counting them would keep their inputs alive to the end of the run.
  std::vector<int64_t> last_use(graph.tensors.size(), -1);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (ir::is_constant_node(graph, graph.nodes[i])) continue;
    for (ir::TensorId t : graph.nodes[i].inputs)
      if (t != ir::no_tensor) last_use[static_cast<size_t>(t)] = static_cast<int64_t>(i);
  }
  release_after_.resize(graph.nodes.size());
  kernels_.resize(graph.nodes.size());
  fused_into_.assign(graph.nodes.size(), ir::no_node);
  write_to_.resize(graph.tensors.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) write_to_[t] = static_cast<ir::TensorId>(t);

  // Subgraphs that spell out one standard op (LayerNormalization, Gelu) run as that op's
  // kernel, in their first node's place.
  run_nodes_.resize(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) run_nodes_[i] = &graph.nodes[i];
  std::vector<bool> in_pattern(graph.nodes.size(), false);
  if (options.fuse) {
    // A subgraph runs as one kernel only when all of it is placed on one device that has a
    // kernel for the op it spells out (placement asked about its nodes, not that op).
    for (PatternMatch& match : find_patterns(graph)) {
      bool together = true;
      for (size_t a : match.absorbed) together = together && placement_[a] == placement_[match.host];
      if (together && devices_[static_cast<size_t>(placement_[match.host])]->supports(graph, match.op)) patterns_.push_back(std::move(match));
    }
  }
  for (const PatternMatch& match : patterns_) {
    run_nodes_[match.host] = &match.op;
    in_pattern[match.host] = true;
    for (size_t a : match.absorbed) {
      fused_into_[a] = static_cast<ir::NodeId>(match.host);
      in_pattern[a] = true;
    }
  }
  // A link fuses only when none of its nodes is in a pattern or placed on another device.
  auto fusable = [&](const std::vector<const ir::Node*>& link, size_t owner) {
    for (const ir::Node* n : link) {
      const auto index = static_cast<size_t>(n - graph.nodes.data());
      if (in_pattern[index] || placement_[index] != placement_[owner]) return false;
    }
    return true;
  };

  // Kernels and fusions first; then layouts, which depend on both; then prepare().
  std::vector<LayoutStep> steps;
  std::vector<size_t> step_node;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (ir::is_constant_node(graph, graph.nodes[i]) || fused_into_[i] != ir::no_node) continue;
    const ir::Node& node = *run_nodes_[i];
    kernels_[i] = devices_[static_cast<size_t>(placement_[i])]->create_kernel(graph, node);
    const auto chain = options.fuse ? fusion_chain(graph, node) : std::vector<std::vector<const ir::Node*>>{};
    size_t fused = 0;
    while (fused < chain.size() && fusable(chain[fused], i) && kernels_[i]->fuse_next(graph, node, chain[fused])) {
      for (const ir::Node* taken : chain[fused]) fused_into_[static_cast<size_t>(taken - graph.nodes.data())] = static_cast<ir::NodeId>(i);
      ++fused;
    }
    // The kernel writes the last fused node's values straight into that node's output.
    if (fused > 0) write_to_[static_cast<size_t>(node.outputs[0])] = chain[fused - 1].back()->outputs[0];
    LayoutStep step;
    step.inputs = node.inputs;
    for (ir::TensorId t : node.outputs) step.outputs.push_back(t == ir::no_tensor ? t : write_to_[static_cast<size_t>(t)]);
    step.rule = options.channels_last ? kernels_[i]->layout_rule(graph, node) : LayoutRule::plain_only;
    steps.push_back(std::move(step));
    step_node.push_back(i);
    // What the step writes (a fused chain's last output) is released after its last reader;
    // an output nobody reads right after its node.
    for (ir::TensorId t : steps.back().outputs) {
      if (t == ir::no_tensor || graph.tensor(t).is_graph_output) continue;
      const int64_t last = last_use[static_cast<size_t>(t)];
      release_after_[last < 0 ? i : static_cast<size_t>(last)].push_back(t);
    }
  }
  for (ir::TensorId t : graph.inputs) {
    const int64_t last = last_use[static_cast<size_t>(t)];
    if (last >= 0 && !graph.tensor(t).is_graph_output) release_after_[static_cast<size_t>(last)].push_back(t);
  }

  // A tensor copied to another device's memory crosses as plain bytes; between devices that
  // share memory (CPU devices) it stays in whatever layout its kernels agree on, so a split
  // does not force layout conversions around every convolution beside a cut.
  std::vector<int> producer_device(graph.tensors.size(), -1);
  std::vector<bool> crosses(graph.tensors.size(), false);
  for (size_t s = 0; s < steps.size(); ++s)
    for (ir::TensorId t : steps[s].outputs)
      if (t != ir::no_tensor) producer_device[static_cast<size_t>(t)] = placement_[step_node[s]];
  for (size_t s = 0; s < steps.size(); ++s)
    for (ir::TensorId t : steps[s].inputs)
      if (t != ir::no_tensor && producer_device[static_cast<size_t>(t)] >= 0 && needs_copy(producer_device[static_cast<size_t>(t)], placement_[step_node[s]]))
        crosses[static_cast<size_t>(t)] = true;
  layouts_ = plan_layouts(graph, steps, crosses);
  std::vector<Layout> in, out;
  for (size_t s = 0; s < steps.size(); ++s) {
    step_layouts(graph, steps[s], layouts_, in, out);
    kernels_[step_node[s]]->set_layouts(in, out);
  }
  if (devices_.size() == 1) {
    // On the device's worker: primitive creation may look at the thread count.
    devices_[0]->execute([&] { prepare_kernels(step_node, options.weight_copied); });
  } else {
    prepare_kernels(step_node, options.weight_copied);  // each kernel on its own device's worker
  }
}

void Executor::prepare_kernels(const std::vector<size_t>& order, const std::function<void(ir::TensorId)>& weight_copied) {
  // Per weight: kernels still to prepare that read it. Constant and fused nodes are no readers:
  // the first never run, the second were baked into their host before any prepare().
  std::vector<int> readers_left(graph_.tensors.size(), 0);
  std::vector<bool> read_at_run(graph_.tensors.size(), false);
  for (size_t i : order)
    for (ir::TensorId t : run_nodes_[i]->inputs)
      if (t != ir::no_tensor) ++readers_left[static_cast<size_t>(t)];
  for (size_t i : order) {
    const ir::Node& node = *run_nodes_[i];
    if (devices_.size() == 1)
      kernels_[i]->prepare(graph_, node);
    else
      devices_[static_cast<size_t>(placement_[i])]->execute([&] { kernels_[i]->prepare(graph_, node); });
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (node.inputs[k] == ir::no_tensor) continue;
      const auto t = static_cast<size_t>(node.inputs[k]);
      if (!kernels_[i]->holds_copy_of_input(k)) read_at_run[t] = true;
      const ir::Tensor& tensor = graph_.tensors[t];
      if (--readers_left[t] > 0 || read_at_run[t] || tensor.kind != ir::TensorKind::initializer || !tensor.value || tensor.is_graph_output)
        continue;
      release_weight(node.inputs[k], weight_copied);
    }
  }
  // Weights only fused or constant nodes read (a folded BatchNormalization's parameters), or
  // nothing at all.
  for (size_t t = 0; t < graph_.tensors.size(); ++t) {
    const ir::Tensor& tensor = graph_.tensors[t];
    if (readers_left[t] == 0 && !read_at_run[t] && tensor.kind == ir::TensorKind::initializer && tensor.value && !tensor.is_graph_output &&
        constants_[t].data != nullptr)
      release_weight(static_cast<ir::TensorId>(t), weight_copied);
  }
}

void Executor::release_weight(ir::TensorId t, const std::function<void(ir::TensorId)>& weight_copied) {
  copied_weights_.push_back(t);
  constants_[static_cast<size_t>(t)] = Tensor{};  // never handed to a kernel again
  if (weight_copied) weight_copied(t);
}

int64_t Executor::kernel_bytes() const {
  int64_t total = 0;
  for (const Device* device : devices_) total += device->workspace_bytes();
  for (const auto& kernel : kernels_)
    if (kernel) total += kernel->owned_bytes();
  return total;
}

std::vector<int> Executor::output_devices() const {
  std::vector<int> result;
  for (ir::TensorId t : graph_.outputs) {
    const ir::Tensor& tensor = graph_.tensor(t);
    if (is_constant_[static_cast<size_t>(t)]) result.push_back(host);
    else if (tensor.producer == ir::no_node) result.push_back(devices_.size() == 1 ? 0 : host);
    else result.push_back(placement_[static_cast<size_t>(tensor.producer)]);  // a fused chain stays on its host's device
  }
  return result;
}

bool Executor::needs_copy(int from, int to) const {
  const bool from_host = from == host || devices_[static_cast<size_t>(from)]->host_accessible();
  const bool to_host = devices_[static_cast<size_t>(to)]->host_accessible();
  return !(from_host && to_host);  // host memory is shared by every host-accessible device
}

Tensor Executor::transfer(const Tensor& source, int from, int to) {
  Device& target = *devices_[static_cast<size_t>(to)];
  Tensor copy = target.allocate(source.dtype, source.shape, source.layout);
  if (from == host || devices_[static_cast<size_t>(from)]->host_accessible()) {
    target.copy_from_host(source.data, copy);
  } else if (target.host_accessible()) {
    devices_[static_cast<size_t>(from)]->copy_to_host(source, copy.data);
  } else {  // between two devices through host memory (peer copies are a later step)
    std::vector<char> staging(static_cast<size_t>(source.size_bytes()));
    devices_[static_cast<size_t>(from)]->copy_to_host(source, staging.data());
    target.copy_from_host(staging.data(), copy);
  }
  return copy;
}

void Executor::CopyTally::add(ir::TensorId tensor, int from, int to, int64_t copied, std::chrono::steady_clock::time_point began,
                              std::chrono::steady_clock::time_point ended) {
  time_us += std::chrono::duration<double, std::micro>(ended - began).count();
  ++count;
  bytes += copied;
  if (keep) records.push_back({request, tensor, from, to, copied, began, ended});
}

void Executor::gather_inputs(const ir::Node& op, int where, std::vector<Tensor>& values, const std::vector<int>& location, std::vector<Tensor>& moved,
                             std::vector<const Tensor*>& in, CopyTally* tally) {
  in.clear();
  for (ir::TensorId t : op.inputs) {
    if (t == ir::no_tensor) {
      in.push_back(nullptr);
      continue;
    }
    const auto index = static_cast<size_t>(t);
    if (is_constant_[index]) {
      // Host memory (empty once the kernel copied it): a device kernel uploads what it needs
      // in prepare().
      in.push_back(&constants_[index]);
    } else if (location[index] == where || !needs_copy(location[index], where)) {
      in.push_back(&values[index]);
    } else {
      Tensor& copy = moved[index * devices_.size() + static_cast<size_t>(where)];
      if (!copy.data) {
        const auto began = std::chrono::steady_clock::now();
        copy = transfer(values[index], location[index], where);
        if (tally) tally->add(t, location[index], where, copy.size_bytes(), began, std::chrono::steady_clock::now());
      }
      in.push_back(&copy);
    }
  }
}

void Executor::allocate_outputs(const ir::Node& op, int where, std::vector<Tensor>& values, std::vector<int>& location, std::vector<Tensor*>& out) {
  out.clear();
  for (ir::TensorId t : op.outputs) {
    if (t == ir::no_tensor) {
      out.push_back(nullptr);
      continue;
    }
    const auto target = static_cast<size_t>(write_to_[static_cast<size_t>(t)]);
    const ir::Tensor& info = graph_.tensors[target];
    values[target] = devices_[static_cast<size_t>(where)]->allocate(info.dtype, info.shape, layouts_[target]);
    location[target] = where;
    out.push_back(&values[target]);
  }
}

void Executor::check_inputs(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != graph_.inputs.size())
    throw ir::Error(ir::ErrorKind::usage, "the model takes " + std::to_string(graph_.inputs.size()) + " inputs, " +
                                              std::to_string(inputs.size()) + " given");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Tensor& declared = graph_.tensor(graph_.inputs[i]);
    if (inputs[i].dtype != declared.dtype || inputs[i].shape != declared.shape)
      throw ir::Error(ir::ErrorKind::usage, "input '" + declared.name + "' does not match the shape and type the model was resolved for");
  }
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& inputs, std::vector<double>* node_time_us) {
  check_inputs(inputs);
  std::vector<Tensor> slots(graph_.tensors.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    slots[static_cast<size_t>(graph_.inputs[i])] = inputs[i];
  }
  if (node_time_us) node_time_us->assign(graph_.nodes.size(), 0.0);

  // Where each slot's memory is: the index of the device that allocated it; graph inputs are the
  // caller's (host memory).
  std::vector<int> location(graph_.tensors.size(), devices_.size() == 1 ? 0 : host);
  // Copies of a tensor made on other devices, per tensor x device; released with the tensor.
  std::vector<Tensor> moved(graph_.tensors.size() * devices_.size());
  auto release = [&](size_t node) {
    for (ir::TensorId t : release_after_[node]) {
      slots[static_cast<size_t>(t)] = Tensor{};
      for (size_t d = 0; d < devices_.size(); ++d) moved[static_cast<size_t>(t) * devices_.size() + d] = Tensor{};
    }
  };
  auto run_nodes = [&](bool inline_execution) {
    std::vector<const Tensor*> in;
    std::vector<Tensor*> out;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (!kernels_[i]) {
        release(i);
        continue;
      }
      const int where = placement_[i];
      Device& device = *devices_[static_cast<size_t>(where)];
      gather_inputs(*run_nodes_[i], where, slots, location, moved, in, nullptr);
      allocate_outputs(*run_nodes_[i], where, slots, location, out);
      const auto start = std::chrono::steady_clock::now();
      if (inline_execution)
        kernels_[i]->run(in, out);
      else
        device.execute([&] { kernels_[i]->run(in, out); });
      if (node_time_us)
        (*node_time_us)[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
      release(i);
    }
  };
  // One device: the whole run on its worker. Several: each node on its device's, in graph order
  // (overlapping devices is the plan replay's job).
  if (devices_.size() == 1)
    devices_[0]->execute([&] { run_nodes(true); });
  else
    run_nodes(false);

  std::vector<Tensor> outputs;
  for (ir::TensorId t : graph_.outputs) {
    const auto index = static_cast<size_t>(t);
    outputs.push_back(is_constant_[index] ? constants_[index] : slots[index]);
  }
  return outputs;
}

}  // namespace runtime
