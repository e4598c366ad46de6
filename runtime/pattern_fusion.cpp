#include "runtime/pattern_fusion.h"

#include <cmath>
#include <optional>

#include "ir/cost.h"

namespace runtime {

namespace {

// Walks a graph by tensors: who reads a tensor, constant scalars, the one reader of a given op.
class Matcher {
 public:
  explicit Matcher(const ir::Graph& graph) : graph_(graph) {}

  // The only node reading `t` (which is no graph output), if it has op `op`.
  const ir::Node* only_reader(ir::TensorId t, ir::OpKind op) const {
    const ir::Tensor& tensor = graph_.tensor(t);
    if (tensor.is_graph_output || tensor.consumers.size() != 1) return nullptr;
    const ir::Node& reader = graph_.node(tensor.consumers[0]);
    return reader.op == op && !ir::is_constant_node(graph_, reader) ? &reader : nullptr;
  }
  // The value of a constant float tensor with one element.
  std::optional<double> scalar(ir::TensorId t) const {
    if (t == ir::no_tensor) return std::nullopt;
    const ir::Tensor& tensor = graph_.tensor(t);
    if (!tensor.value || tensor.value->element_count() != 1 || tensor.dtype != ir::DType::float32) return std::nullopt;
    return tensor.value->to_doubles()[0];
  }
  // For a two-input node reading `t`: its other input.
  static ir::TensorId other_input(const ir::Node& node, ir::TensorId t) {
    if (node.inputs.size() != 2) return ir::no_tensor;
    if (node.inputs[0] == t) return node.inputs[1];
    return node.inputs[1] == t ? node.inputs[0] : ir::no_tensor;
  }
  size_t index(const ir::Node* node) const { return static_cast<size_t>(node - graph_.nodes.data()); }
  const ir::Graph& graph() const { return graph_; }

 private:
  const ir::Graph& graph_;
};

bool is_float32(const ir::Graph& graph, ir::TensorId t) { return graph.tensor(t).dtype == ir::DType::float32; }

// A ReduceMean over the last axis only, keeping it.
bool mean_over_last_axis(const ir::Graph& graph, const ir::Node& node) {
  if (node.op != ir::OpKind::ReduceMean || node.inputs.empty()) return false;
  const auto rank = static_cast<int64_t>(graph.tensor(node.inputs[0]).shape.size());
  std::vector<int64_t> axes;
  if (node.has_input(1)) {
    const ir::Tensor& t = graph.tensor(node.inputs[1]);
    if (!t.value) return false;
    axes = t.value->to_int64s();
  } else if (auto it = node.attributes.find("axes"); it != node.attributes.end()) {
    axes = it->second.kind == ir::Attribute::Kind::int_ ? std::vector<int64_t>{it->second.i} : it->second.ints;
  }
  auto keepdims = node.attributes.find("keepdims");
  if (keepdims != node.attributes.end() && keepdims->second.i == 0) return false;
  return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1) && rank >= 1;
}

ir::Attribute float_attribute(float v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::float_;
  a.f = v;
  return a;
}
ir::Attribute int_attribute(int64_t v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::int_;
  a.i = v;
  return a;
}

// m = ReduceMean(x); d = Sub(x, m); v = ReduceMean(Pow(d, 2)); n = Div(d, Sqrt(Add(v, eps)));
// y = Mul(n, gamma) [; z = Add(y, beta)]  ->  LayerNormalization(x, gamma[, beta]), axis -1.
std::optional<PatternMatch> layer_norm(const Matcher& m, const ir::Node& mean) {
  const ir::Graph& g = m.graph();
  if (!mean_over_last_axis(g, mean) || !is_float32(g, mean.inputs[0])) return std::nullopt;
  const ir::TensorId x = mean.inputs[0];
  const ir::Node* sub = m.only_reader(mean.outputs[0], ir::OpKind::Sub);
  if (!sub || sub->inputs[0] != x || sub->inputs[1] != mean.outputs[0]) return std::nullopt;
  const ir::TensorId d = sub->outputs[0];
  const ir::Tensor& centred = g.tensor(d);
  if (centred.is_graph_output || centred.consumers.size() != 2) return std::nullopt;
  const ir::Node* pow = nullptr;
  const ir::Node* div = nullptr;
  for (ir::NodeId c : centred.consumers) {
    const ir::Node& reader = g.node(c);
    if (reader.op == ir::OpKind::Pow) pow = &reader;
    if (reader.op == ir::OpKind::Div) div = &reader;
  }
  if (!pow || !div || pow->inputs[0] != d || m.scalar(pow->inputs[1]) != 2.0 || div->inputs[0] != d) return std::nullopt;
  const ir::Node* variance = m.only_reader(pow->outputs[0], ir::OpKind::ReduceMean);
  if (!variance || !mean_over_last_axis(g, *variance)) return std::nullopt;
  const ir::Node* add_eps = m.only_reader(variance->outputs[0], ir::OpKind::Add);
  if (!add_eps) return std::nullopt;
  const auto epsilon = m.scalar(Matcher::other_input(*add_eps, variance->outputs[0]));
  if (!epsilon || *epsilon < 0) return std::nullopt;
  const ir::Node* sqrt = m.only_reader(add_eps->outputs[0], ir::OpKind::Sqrt);
  if (!sqrt || m.only_reader(sqrt->outputs[0], ir::OpKind::Div) != div || div->inputs[1] != sqrt->outputs[0]) return std::nullopt;
  // The affine part: a constant per-feature scale, then optionally a shift.
  const int64_t features = g.tensor(x).shape.empty() ? 1 : g.tensor(x).shape.back();
  auto per_feature = [&](ir::TensorId t) {
    if (t == ir::no_tensor) return false;
    const ir::Tensor& c = g.tensor(t);
    return c.value && c.dtype == ir::DType::float32 && c.shape == std::vector<int64_t>{features};
  };
  const ir::Node* scale = m.only_reader(div->outputs[0], ir::OpKind::Mul);
  if (!scale) return std::nullopt;
  const ir::TensorId gamma = Matcher::other_input(*scale, div->outputs[0]);
  if (!per_feature(gamma)) return std::nullopt;
  const ir::Node* shift = m.only_reader(scale->outputs[0], ir::OpKind::Add);
  const ir::TensorId beta = shift ? Matcher::other_input(*shift, scale->outputs[0]) : ir::no_tensor;
  if (shift && !per_feature(beta)) shift = nullptr;

  PatternMatch match;
  match.host = m.index(&mean);
  for (const ir::Node* n : {sub, pow, variance, add_eps, sqrt, div, scale}) match.absorbed.push_back(m.index(n));
  if (shift) match.absorbed.push_back(m.index(shift));
  match.op.name = mean.name + " (as LayerNormalization)";
  match.op.op_type = "LayerNormalization";
  match.op.op = ir::OpKind::LayerNormalization;
  match.op.inputs = {x, gamma};
  if (shift) match.op.inputs.push_back(beta);
  match.op.outputs = {shift ? shift->outputs[0] : scale->outputs[0]};
  match.op.attributes["axis"] = int_attribute(-1);
  match.op.attributes["epsilon"] = float_attribute(static_cast<float>(*epsilon));
  return match;
}

// q = Div(x, sqrt 2) (or Mul(x, 1/sqrt 2)); a = Add(Erf(q), 1); y = Mul(Mul(x, a), 0.5)
//   ->  Gelu(x)
std::optional<PatternMatch> gelu(const Matcher& m, const ir::Node& first) {
  const ir::Graph& g = m.graph();
  if ((first.op != ir::OpKind::Div && first.op != ir::OpKind::Mul) || first.inputs.size() != 2) return std::nullopt;
  const ir::TensorId x = first.inputs[0];
  if (!is_float32(g, x) || g.tensor(x).value) return std::nullopt;
  const auto k = m.scalar(first.inputs[1]);
  const double expected = first.op == ir::OpKind::Div ? std::sqrt(2.0) : 1.0 / std::sqrt(2.0);
  if (!k || std::abs(*k - expected) > 1e-4) return std::nullopt;
  const ir::Node* erf = m.only_reader(first.outputs[0], ir::OpKind::Erf);
  if (!erf) return std::nullopt;
  const ir::Node* add = m.only_reader(erf->outputs[0], ir::OpKind::Add);
  if (!add || m.scalar(Matcher::other_input(*add, erf->outputs[0])) != 1.0) return std::nullopt;
  const ir::Node* times_x = m.only_reader(add->outputs[0], ir::OpKind::Mul);
  if (!times_x || Matcher::other_input(*times_x, add->outputs[0]) != x) return std::nullopt;
  const ir::Node* half = m.only_reader(times_x->outputs[0], ir::OpKind::Mul);
  if (!half || m.scalar(Matcher::other_input(*half, times_x->outputs[0])) != 0.5) return std::nullopt;

  PatternMatch match;
  match.host = m.index(&first);
  for (const ir::Node* n : {erf, add, times_x, half}) match.absorbed.push_back(m.index(n));
  match.op.name = first.name + " (as Gelu)";
  match.op.op_type = "Gelu";
  match.op.op = ir::OpKind::Gelu;
  match.op.inputs = {x};
  match.op.outputs = {half->outputs[0]};
  return match;
}

}  // namespace

std::vector<PatternMatch> find_patterns(const ir::Graph& graph) {
  const Matcher matcher(graph);
  std::vector<PatternMatch> matches;
  std::vector<bool> taken(graph.nodes.size(), false);
  for (const ir::Node& node : graph.nodes) {
    if (taken[matcher.index(&node)] || ir::is_constant_node(graph, node)) continue;
    std::optional<PatternMatch> match = layer_norm(matcher, node);
    if (!match) match = gelu(matcher, node);
    if (!match) continue;
    bool free = true;
    for (size_t i : match->absorbed) free = free && !taken[i];
    if (!free) continue;
    taken[match->host] = true;
    for (size_t i : match->absorbed) taken[i] = true;
    matches.push_back(std::move(*match));
  }
  return matches;
}

}  // namespace runtime
