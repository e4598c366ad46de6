#include "ir/graph_builder.h"

#include <queue>
#include <unordered_set>

#include "ir/error.h"

namespace ir {

void GraphBuilder::add_input(const std::string& name, DType dtype, std::optional<std::vector<Dim>> shape) {
  inputs_.push_back({name, Declared{dtype, std::move(shape)}});
}

void GraphBuilder::add_initializer(const std::string& name, TensorData data) {
  add_initializer(name, std::make_shared<const TensorData>(std::move(data)));
}

void GraphBuilder::add_initializer(const std::string& name, std::shared_ptr<const TensorData> data) {
  values_.push_back({name, std::move(data), TensorKind::initializer});
}

void GraphBuilder::add_constant(const std::string& name, TensorData data) {
  add_constant(name, std::make_shared<const TensorData>(std::move(data)));
}

void GraphBuilder::add_constant(const std::string& name, std::shared_ptr<const TensorData> data) {
  values_.push_back({name, std::move(data), TensorKind::constant});
}

void GraphBuilder::add_value_info(const std::string& name, DType dtype, std::optional<std::vector<Dim>> shape) {
  value_infos_.push_back({name, Declared{dtype, std::move(shape)}});
}

void GraphBuilder::add_node(NodeSpec node) { nodes_.push_back(std::move(node)); }

void GraphBuilder::add_output(const std::string& name, DType dtype, std::optional<std::vector<Dim>> shape) {
  outputs_.push_back({name, Declared{dtype, std::move(shape)}});
}

Graph GraphBuilder::build() && {
  Graph g;
  g.name = name_;
  g.ir_version = ir_version_;
  g.opset = opset_;
  auto fail = [&](const std::string& message) { throw Error(ErrorKind::model, label_ + ": " + message); };

  auto add_tensor = [&](const std::string& name, TensorKind kind) -> TensorId {
    const auto id = static_cast<TensorId>(g.tensors.size());
    Tensor t;
    t.name = name;
    t.kind = kind;
    g.tensors.push_back(std::move(t));
    g.tensor_index_.emplace(name, id);
    return id;
  };

  // Initializers first: a graph input that shares a name with an initializer is, in IR < 4
  // models, only a declaration of that weight, so it is not a real input.
  for (auto& [name, data, kind] : values_) {
    const char* what = kind == TensorKind::initializer ? "initializer" : "Constant output";
    if (name.empty()) fail(std::string("an ") + what + " has no name");
    if (g.tensor_index_.count(name)) fail("duplicate tensor name '" + name + "' (" + what + ")");
    const TensorId id = add_tensor(name, kind);
    Tensor& t = g.tensor(id);
    t.dtype = data->dtype;
    t.value = std::move(data);
  }
  std::unordered_set<std::string> input_names;
  for (auto& [name, declared] : inputs_) {
    if (name.empty()) fail("a graph input has no name");
    if (!input_names.insert(name).second) fail("duplicate graph input name '" + name + "'");
    if (g.tensor_index_.count(name)) continue;  // declared initializer, see above
    const TensorId id = add_tensor(name, TensorKind::input);
    Tensor& t = g.tensor(id);
    t.dtype = declared.dtype;
    t.declared_shape = declared.shape;
    g.inputs.push_back(id);
  }

  // Node outputs: every tensor has exactly one producer.
  std::unordered_set<std::string> node_names;
  std::vector<Node> unordered(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    NodeSpec& spec = nodes_[i];
    if (spec.name.empty()) spec.name = spec.op_type + "_" + std::to_string(i);
    if (!node_names.insert(spec.name).second) fail("duplicate node name '" + spec.name + "'");
    Node& n = unordered[i];
    n.name = spec.name;
    n.op_type = spec.op_type;
    n.domain = spec.domain == "ai.onnx" ? "" : spec.domain;
    n.op = op_kind_from_name(n.domain, n.op_type);
    n.attributes = std::move(spec.attributes);
    n.has_subgraph = spec.has_subgraph;
    for (const std::string& out : spec.outputs) {
      if (out.empty()) {
        n.outputs.push_back(no_tensor);
        continue;
      }
      auto existing = g.tensor_index_.find(out);
      if (existing != g.tensor_index_.end()) {
        const Tensor& other = g.tensor(existing->second);
        const std::string by = other.kind == TensorKind::input         ? "a graph input"
                               : other.kind == TensorKind::initializer ? "an initializer"
                                                                       : "another node";
        fail("duplicate tensor name '" + out + "': output of node '" + n.name + "' and " + by);
      }
      n.outputs.push_back(add_tensor(out, TensorKind::activation));
    }
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = unordered[i];
    for (const std::string& in : nodes_[i].inputs) {
      if (in.empty()) {
        n.inputs.push_back(no_tensor);
        continue;
      }
      auto found = g.tensor_index_.find(in);
      if (found == g.tensor_index_.end())
        fail("dangling input: node '" + n.name + "' (" + n.op_type + ") reads tensor '" + in +
             "', which no node, graph input or initializer provides");
      n.inputs.push_back(found->second);
    }
  }

  // Kahn's algorithm; the heap keeps the model's own order wherever the graph allows it.
  std::vector<NodeId> producer_index(g.tensors.size(), no_node);
  for (size_t i = 0; i < unordered.size(); ++i)
    for (TensorId out : unordered[i].outputs)
      if (out != no_tensor) producer_index[static_cast<size_t>(out)] = static_cast<NodeId>(i);
  std::vector<int> pending(unordered.size(), 0);
  std::vector<std::vector<NodeId>> users(unordered.size());
  for (size_t i = 0; i < unordered.size(); ++i) {
    std::unordered_set<NodeId> seen;
    for (TensorId in : unordered[i].inputs) {
      if (in == no_tensor) continue;
      const NodeId p = producer_index[static_cast<size_t>(in)];
      if (p != no_node && seen.insert(p).second) {
        ++pending[i];
        users[static_cast<size_t>(p)].push_back(static_cast<NodeId>(i));
      }
    }
  }
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (size_t i = 0; i < unordered.size(); ++i)
    if (pending[i] == 0) ready.push(static_cast<NodeId>(i));
  std::vector<NodeId> order;
  order.reserve(unordered.size());
  while (!ready.empty()) {
    const NodeId next = ready.top();
    ready.pop();
    order.push_back(next);
    for (NodeId user : users[static_cast<size_t>(next)])
      if (--pending[static_cast<size_t>(user)] == 0) ready.push(user);
  }
  if (order.size() != unordered.size()) {
    for (size_t i = 0; i < unordered.size(); ++i)
      if (pending[i] > 0) fail("cycle in the graph through node '" + unordered[i].name + "' (" + unordered[i].op_type + ")");
  }
  g.nodes.reserve(order.size());
  for (NodeId id : order) g.nodes.push_back(std::move(unordered[static_cast<size_t>(id)]));
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto id = static_cast<NodeId>(i);
    for (TensorId out : g.nodes[i].outputs)
      if (out != no_tensor) g.tensor(out).producer = id;
    for (TensorId in : g.nodes[i].inputs) {
      if (in == no_tensor) continue;
      auto& consumers = g.tensor(in).consumers;
      if (consumers.empty() || consumers.back() != id) consumers.push_back(id);
    }
  }

  for (auto& [name, declared] : value_infos_) {
    auto found = g.tensor_index_.find(name);
    if (found == g.tensor_index_.end()) continue;  // value_info for a tensor nobody uses is harmless
    Tensor& t = g.tensor(found->second);
    if (t.kind != TensorKind::activation) continue;
    t.dtype = declared.dtype;
    t.declared_shape = declared.shape;
  }
  std::unordered_set<std::string> output_names;
  for (auto& [name, declared] : outputs_) {
    if (!output_names.insert(name).second) fail("duplicate graph output name '" + name + "'");
    auto found = g.tensor_index_.find(name);
    if (found == g.tensor_index_.end()) fail("dangling output: graph output '" + name + "' is produced by no node");
    Tensor& t = g.tensor(found->second);
    t.is_graph_output = true;
    if (t.kind == TensorKind::activation) {
      if (t.dtype == DType::undefined) t.dtype = declared.dtype;
      if (!t.declared_shape) t.declared_shape = declared.shape;
    }
    g.outputs.push_back(found->second);
  }
  return g;
}

}  // namespace ir
