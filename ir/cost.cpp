#include "ir/cost.h"

#include "ir/einsum_equation.h"

#include <cmath>
#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace ir {

namespace {

int64_t element_count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

struct CostInput {
  const Graph& graph;
  const Node& node;
  const std::vector<int64_t>& in(size_t i) const { return graph.tensor(node.inputs.at(i)).shape; }
  const std::vector<int64_t>& out(size_t i) const { return graph.tensor(node.outputs.at(i)).shape; }
  double out_count() const { return node.has_output(0) ? static_cast<double>(element_count(out(0))) : 0.0; }
  double in_count(size_t i = 0) const { return static_cast<double>(element_count(in(i))); }
  int64_t attr_int(const char* name, int64_t fallback) const {
    auto it = node.attributes.find(name);
    return it == node.attributes.end() ? fallback : it->second.i;
  }
};

using CostFunction = double (*)(const CostInput&);

double cost_none(const CostInput&) { return 0; }
double cost_elementwise(const CostInput& c) { return c.out_count(); }
double cost_softmax(const CostInput& c) { return 3 * c.out_count(); }            // exp, sum, scale
double cost_normalization(const CostInput& c) { return 5 * c.out_count(); }      // mean, variance, scale, shift
double cost_reduce(const CostInput& c) { return c.in_count(); }
double cost_resize(const CostInput& c) { return 4 * c.out_count(); }             // up to 4 taps per output (bilinear)
double cost_topk(const CostInput& c) { return c.in_count() * std::log2(std::max(2.0, c.out_count())); }  // a heap of k

double cost_conv(const CostInput& c) {
  const auto& w = c.in(1);
  const double per_output = 2.0 * static_cast<double>(element_count({w.begin() + 1, w.end()}));  // Cin/group x kernel
  return c.out_count() * per_output + (c.node.has_input(2) ? c.out_count() : 0);
}

double cost_conv_transpose(const CostInput& c) {
  const auto& w = c.in(1);  // [Cin, Cout/group, k...]: every input element scatters into Cout/group x kernel outputs
  return 2.0 * c.in_count(0) * static_cast<double>(element_count({w.begin() + 1, w.end()}));
}

double cost_gemm(const CostInput& c) {
  const auto& a = c.in(0);
  const double k = static_cast<double>(c.attr_int("transA", 0) ? a[0] : a[1]);
  return 2.0 * c.out_count() * k + (c.node.has_input(2) ? c.out_count() : 0);
}

double cost_matmul(const CostInput& c) { return 2.0 * c.out_count() * static_cast<double>(c.in(0).back()); }

double cost_pool(const CostInput& c) {
  auto it = c.node.attributes.find("kernel_shape");
  const double window = it == c.node.attributes.end() ? 1.0 : static_cast<double>(element_count(it->second.ints));
  return c.out_count() * window;
}

double cost_einsum(const CostInput& c) {
  // 2 x the product of every distinct label's size: the loop nest of a direct evaluation.
  // Dims under "..." are taken once, from the largest ellipsis block among the operands.
  auto it = c.node.attributes.find("equation");
  if (it == c.node.attributes.end()) return 0;
  std::string lhs;
  for (const std::string& operand : parse_einsum_equation(it->second.s).operands) lhs += (lhs.empty() ? "" : ",") + operand;
  std::map<char, int64_t> sizes;
  double ellipsis = 1;
  size_t operand = 0, dim = 0;
  double block = 1;
  for (size_t p = 0; p <= lhs.size() && operand < c.node.inputs.size(); ++p) {
    const auto& shape = c.in(operand);
    if (p == lhs.size() || lhs[p] == ',') {
      ellipsis = std::max(ellipsis, block);
      ++operand;
      dim = 0;
      block = 1;
    } else if (lhs.compare(p, 3, "...") == 0) {
      size_t term_end = lhs.find(',', p);
      if (term_end == std::string::npos) term_end = lhs.size();
      const size_t after = static_cast<size_t>(std::count_if(lhs.begin() + static_cast<ptrdiff_t>(p) + 3, lhs.begin() + static_cast<ptrdiff_t>(term_end), [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)); }));
      while (dim + after < shape.size()) block *= static_cast<double>(shape[dim++]);
      p += 2;
    } else if (std::isalpha(static_cast<unsigned char>(lhs[p])) && dim < shape.size()) {
      auto& size = sizes[lhs[p]];
      size = std::max(size, shape[dim++]);
    }
  }
  double product = ellipsis;
  for (const auto& [label, size] : sizes) product *= static_cast<double>(size);
  return 2.0 * product;
}

double cost_rnn(const CostInput& c) {
  const auto& x = c.in(0);
  const auto& w = c.in(1);  // [dirs, gates*H, I]
  const auto& r = c.in(2);  // [dirs, gates*H, H]
  const bool batch_first = c.attr_int("layout", 0) != 0;
  const double seq = static_cast<double>(batch_first ? x[1] : x[0]);
  const double batch = static_cast<double>(batch_first ? x[0] : x[1]);
  const double dirs = static_cast<double>(w[0]);
  const double gate_rows = static_cast<double>(w[1]);
  const double matmul = 2.0 * batch * gate_rows * static_cast<double>(w[2] + r[2]);
  const double gates_elementwise = 4.0 * batch * gate_rows;  // bias adds, activations, state update
  return seq * dirs * (matmul + gates_elementwise);
}

constexpr CostFunction cost_functions[] = {
#define PARTPLAN_OP(name, shape_fn, cost_fn) &cost_fn,
#include "ir/ops.def"
#undef PARTPLAN_OP
};

}  // namespace

bool is_constant_node(const Graph& graph, const Node& node) {
  bool any = false;
  for (TensorId out : node.outputs) {
    if (out == no_tensor) continue;
    if (!graph.tensor(out).value) return false;
    any = true;
  }
  return any;
}

void compute_costs(Graph& graph) {
  graph.costs.assign(graph.nodes.size(), NodeCost{});
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    bool resolved = node.op != OpKind::unknown && !node.has_subgraph;
    for (TensorId t : node.inputs)
      if (t != no_tensor && !graph.tensor(t).shape_known) resolved = false;
    for (TensorId t : node.outputs)
      if (t != no_tensor && !graph.tensor(t).shape_known) resolved = false;
    if (!resolved) continue;
    NodeCost& cost = graph.costs[i];
    // Shape and Size read only metadata, never the tensor's bytes.
    const bool reads_data = node.op != OpKind::Shape && node.op != OpKind::Size;
    for (TensorId t : node.inputs) {
      if (t == no_tensor || !reads_data) continue;
      const Tensor& tensor = graph.tensor(t);
      cost.bytes_read += tensor.size_bytes();
      if (tensor.value && is_floating(tensor.dtype)) cost.param_bytes += tensor.size_bytes();
    }
    for (TensorId t : node.outputs)
      if (t != no_tensor) cost.bytes_written += graph.tensor(t).size_bytes();
    if (!is_constant_node(graph, node)) cost.flops = cost_functions[static_cast<size_t>(node.op)](CostInput{graph, node});
  }
}

GraphTotals graph_totals(const Graph& graph) {
  GraphTotals totals;
  for (const NodeCost& c : graph.costs) {
    totals.flops += c.flops;
    totals.bytes_read += c.bytes_read;
    totals.bytes_written += c.bytes_written;
  }
  for (const Tensor& t : graph.tensors) {
    if (t.kind != TensorKind::initializer || !is_floating(t.dtype)) continue;
    totals.param_count += element_count(t.shape);
    totals.param_bytes += t.size_bytes();
  }
  // Liveness walk in graph order: a tensor is born with its producer (inputs at the start)
  // and dies after its last consumer; graph outputs live to the end.
  std::vector<int64_t> last_use(graph.tensors.size(), -1);
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (TensorId t : graph.nodes[i].inputs)
      if (t != no_tensor) last_use[static_cast<size_t>(t)] = static_cast<int64_t>(i);
  auto is_activation = [&](TensorId t) {
    const Tensor& tensor = graph.tensor(t);
    return tensor.kind != TensorKind::initializer && !tensor.value;
  };
  int64_t live = 0;
  for (TensorId t : graph.inputs) live += graph.tensor(t).size_bytes();
  totals.peak_activation_bytes = live;
  std::vector<std::vector<TensorId>> dying(graph.nodes.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const auto id = static_cast<TensorId>(t);
    if (last_use[t] >= 0 && is_activation(id) && !graph.tensor(id).is_graph_output) dying[static_cast<size_t>(last_use[t])].push_back(id);
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (TensorId t : graph.nodes[i].outputs)
      if (t != no_tensor && is_activation(t)) live += graph.tensor(t).size_bytes();
    totals.peak_activation_bytes = std::max(totals.peak_activation_bytes, live);
    for (TensorId t : dying[i]) live -= graph.tensor(t).size_bytes();
    // An output nobody reads (e.g. an unused Dropout mask) is freed at once.
    for (TensorId t : graph.nodes[i].outputs)
      if (t != no_tensor && is_activation(t) && last_use[static_cast<size_t>(t)] < 0 && !graph.tensor(t).is_graph_output)
        live -= graph.tensor(t).size_bytes();
  }
  return totals;
}

}  // namespace ir
