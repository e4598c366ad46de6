#include "ir/compose.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "ir/error.h"
#include "ir/graph_builder.h"

namespace ir {

namespace {

[[noreturn]] void fail(const std::string& message) { throw Error(ErrorKind::model, message); }

std::string dims_text(const std::optional<std::vector<Dim>>& shape) {
  if (!shape) return "unknown";
  std::string text = "[";
  for (size_t k = 0; k < shape->size(); ++k) {
    const Dim& d = (*shape)[k];
    text += (k > 0 ? "," : "") + (d.is_known() ? std::to_string(d.value) : d.symbol.empty() ? std::string("?") : d.symbol);
  }
  return text + "]";
}

// Two declared shapes that cannot both hold: different ranks, or a dim known on both sides
// with different values (symbols may be bound to anything).
bool conflicting(const std::optional<std::vector<Dim>>& a, const std::optional<std::vector<Dim>>& b) {
  if (!a || !b) return false;
  if (a->size() != b->size()) return true;
  for (size_t k = 0; k < a->size(); ++k)
    if ((*a)[k].is_known() && (*b)[k].is_known() && (*a)[k].value != (*b)[k].value) return true;
  return false;
}

// One side of a boundary: `from` (a pre output or a model output) feeds `to` (a model input or
// a post input) of the same name.
void check_boundary(const Tensor& from, const std::string& from_label, const Tensor& to, const std::string& to_label) {
  if (from.dtype != to.dtype)
    fail(from_label + ": '" + from.name + "' is " + std::string(dtype_name(from.dtype)) + ", but " + to_label + " takes it as " +
         std::string(dtype_name(to.dtype)));
  if (conflicting(from.declared_shape, to.declared_shape))
    fail(from_label + ": '" + from.name + "' is declared " + dims_text(from.declared_shape) + ", but " + to_label + " takes it as " +
         dims_text(to.declared_shape));
}

std::string names_of(const Graph& g, const std::vector<TensorId>& ids) {
  std::string text;
  for (TensorId id : ids) text += (text.empty() ? "" : ", ") + g.tensor(id).name;
  return text.empty() ? "none" : text;
}

// Adds one graph's values and nodes to `builder`, its tensor names through `rename`.
template <typename Rename>
void add_body(GraphBuilder& builder, const Graph& g, const std::string& node_prefix, Rename rename) {
  for (const Tensor& t : g.tensors) {
    if (t.kind == TensorKind::initializer) builder.add_initializer(rename(t.name), t.value);
    if (t.kind == TensorKind::constant) builder.add_constant(rename(t.name), t.value);
  }
  for (const Node& node : g.nodes) {
    NodeSpec spec{node_prefix + node.name, node.op_type, node.domain, {}, {}, node.attributes, node.has_subgraph};
    for (TensorId id : node.inputs) spec.inputs.push_back(id == no_tensor ? std::string() : rename(g.tensor(id).name));
    for (TensorId id : node.outputs) spec.outputs.push_back(id == no_tensor ? std::string() : rename(g.tensor(id).name));
    builder.add_node(std::move(spec));
  }
}

// Declares `ids` of `g` as the composition's inputs (or outputs) under their new names, leaving
// out those in `skip` (boundaries that became inner tensors).
template <typename Rename>
void declare(GraphBuilder& builder, const Graph& g, const std::vector<TensorId>& ids, Rename rename, const std::set<std::string>& skip, bool as_inputs) {
  for (TensorId id : ids) {
    const Tensor& t = g.tensor(id);
    if (skip.count(t.name)) continue;
    if (as_inputs) builder.add_input(rename(t.name), t.dtype, t.declared_shape);
    else builder.add_output(rename(t.name), t.dtype, t.declared_shape);
  }
}

}  // namespace

Graph compose(const LabelledGraph& pre, const Graph& model, const std::string& model_label, const LabelledGraph& post) {
  for (const LabelledGraph* side : {&pre, &post})
    if (side->graph != nullptr && side->graph->opset != model.opset)
      fail(side->label + ": opset " + std::to_string(side->graph->opset) + ", but " + model_label + " is opset " + std::to_string(model.opset) +
           ": export them at one opset (kernels read some ops by it)");

  // The boundaries: every pre output must feed a model input, every post input come from a
  // model output.
  std::set<std::string> fed_by_pre, read_by_post;
  if (pre.graph != nullptr)
    for (TensorId id : pre.graph->outputs) {
      const Tensor& out = pre.graph->tensor(id);
      auto in = model.find_tensor(out.name);
      if (!in || std::find(model.inputs.begin(), model.inputs.end(), *in) == model.inputs.end())
        fail(pre.label + ": output '" + out.name + "' matches no input of " + model_label + " (its inputs: " + names_of(model, model.inputs) + ")");
      check_boundary(out, pre.label, model.tensor(*in), model_label);
      fed_by_pre.insert(out.name);
    }
  if (post.graph != nullptr)
    for (TensorId id : post.graph->inputs) {
      const Tensor& in = post.graph->tensor(id);
      auto out = model.find_tensor(in.name);
      if (!out || std::find(model.outputs.begin(), model.outputs.end(), *out) == model.outputs.end())
        fail(post.label + ": input '" + in.name + "' matches no output of " + model_label + " (its outputs: " + names_of(model, model.outputs) + ")");
      check_boundary(model.tensor(*out), model_label, in, post.label);
      read_by_post.insert(in.name);
    }

  // The pre graph's inputs and the post graph's outputs keep their names (what a caller feeds
  // and reads), unless the model uses the name; everything else inside them is prefixed.
  auto side_rename = [&](const Graph& g, const std::string& prefix, const std::set<std::string>& boundary) {
    std::unordered_map<std::string, std::string> names;
    for (const Tensor& t : g.tensors) {
      const bool outer = (t.kind == TensorKind::input || t.is_graph_output) && !boundary.count(t.name) && !model.find_tensor(t.name);
      names[t.name] = boundary.count(t.name) || outer ? t.name : prefix + t.name;
    }
    return names;
  };
  std::unordered_map<std::string, std::string> pre_names, post_names;
  if (pre.graph != nullptr) pre_names = side_rename(*pre.graph, "pre/", fed_by_pre);
  if (post.graph != nullptr) post_names = side_rename(*post.graph, "post/", read_by_post);
  if (pre.graph != nullptr && post.graph != nullptr)
    for (TensorId id : pre.graph->inputs)
      for (TensorId out : post.graph->outputs)
        if (pre_names.at(pre.graph->tensor(id).name) == post_names.at(post.graph->tensor(out).name))
          fail(pre.label + ": input '" + pre.graph->tensor(id).name + "' has the name of an output of " + post.label + ": rename one of them");

  GraphBuilder builder(model_label);
  builder.set_versions(model.ir_version, model.opset);
  builder.set_name(model.name);
  auto as_pre = [&](const std::string& n) { return pre_names.at(n); };
  auto as_post = [&](const std::string& n) { return post_names.at(n); };
  auto as_model = [](const std::string& n) { return n; };
  const std::set<std::string> none;
  if (pre.graph != nullptr) declare(builder, *pre.graph, pre.graph->inputs, as_pre, none, true);
  declare(builder, model, model.inputs, as_model, fed_by_pre, true);
  if (pre.graph != nullptr) add_body(builder, *pre.graph, "pre/", as_pre);
  add_body(builder, model, "", as_model);
  if (post.graph != nullptr) add_body(builder, *post.graph, "post/", as_post);
  if (post.graph != nullptr) declare(builder, *post.graph, post.graph->outputs, as_post, none, false);
  declare(builder, model, model.outputs, as_model, read_by_post, false);
  return std::move(builder).build();
}

}  // namespace ir
