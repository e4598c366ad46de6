#include "report/inspect_report.h"

#include <fmt/format.h>

#include <map>

#include "ir/cost.h"

namespace report {

namespace {

std::string shape_text(const ir::Tensor& t) {
  if (!t.shape_known) return "?";
  return fmt::format("[{}]", fmt::join(t.shape, ","));
}

nlohmann::json shape_json(const ir::Tensor& t) {
  if (t.shape_known) return t.shape;
  if (!t.declared_shape) return nullptr;  // not even the rank is known
  nlohmann::json dims = nlohmann::json::array();
  if (t.declared_shape)
    for (const auto& d : *t.declared_shape) dims.push_back(d.is_known() ? nlohmann::json(d.value) : nlohmann::json(d.symbol.empty() ? "?" : d.symbol));
  return dims;
}

std::string unsupported_reason(const ir::Node& n) {
  if (n.has_subgraph) return "nested subgraph (" + n.op_type + ")";
  return "unknown op " + (n.domain.empty() ? "" : n.domain + "::") + n.op_type;
}

const char* kind_name(const ir::Tensor& t) {
  if (t.is_graph_output) return "output";
  switch (t.kind) {
    case ir::TensorKind::input: return "input";
    case ir::TensorKind::initializer: return "initializer";
    case ir::TensorKind::constant: return "constant";
    case ir::TensorKind::activation: return t.value ? "constant" : "activation";
  }
  return "activation";
}

}  // namespace

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

std::string format_count(double value) {
  const char* units[] = {"", " K", " M", " G", " T", " P"};
  int u = 0;
  while (value >= 1000 && u < 5) {
    value /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f}", value) : fmt::format("{:.2f}{}", value, units[u]);
}

std::string inspect_table(const ir::Graph& graph, const ir::ShapeReport& shapes, const ModelInfo& model) {
  std::string out;
  out += fmt::format("model   {}  (IR {}, opset {}, {}, sha256 {})\n", model.path, graph.ir_version, graph.opset,
                     format_bytes(static_cast<double>(model.file_bytes)), model.sha256.substr(0, 12));
  for (ir::TensorId id : graph.inputs)
    out += fmt::format("input   {} {} {}\n", graph.tensor(id).name, ir::dtype_name(graph.tensor(id).dtype), shape_text(graph.tensor(id)));
  for (ir::TensorId id : graph.outputs)
    out += fmt::format("output  {} {} {}\n", graph.tensor(id).name, ir::dtype_name(graph.tensor(id).dtype), shape_text(graph.tensor(id)));

  struct Row {
    int count = 0;
    ir::NodeCost cost;
  };
  std::map<std::string, Row> rows;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Row& row = rows[graph.nodes[i].op_type];
    ++row.count;
    row.cost.flops += graph.costs[i].flops;
    row.cost.param_bytes += graph.costs[i].param_bytes;
    row.cost.bytes_read += graph.costs[i].bytes_read;
    row.cost.bytes_written += graph.costs[i].bytes_written;
  }
  const auto totals = ir::graph_totals(graph);
  out += fmt::format("\n{:<24} {:>6} {:>12} {:>12} {:>12} {:>12}\n", "op type", "count", "FLOPs", "weights", "read", "written");
  for (const auto& [op, row] : rows)
    out += fmt::format("{:<24} {:>6} {:>12} {:>12} {:>12} {:>12}\n", op, row.count, format_count(row.cost.flops),
                       format_bytes(static_cast<double>(row.cost.param_bytes)), format_bytes(static_cast<double>(row.cost.bytes_read)),
                       format_bytes(static_cast<double>(row.cost.bytes_written)));
  out += fmt::format("{:<24} {:>6} {:>12} {:>12} {:>12} {:>12}\n", "total", graph.nodes.size(), format_count(totals.flops),
                     format_bytes(static_cast<double>(totals.param_bytes)), format_bytes(static_cast<double>(totals.bytes_read)),
                     format_bytes(static_cast<double>(totals.bytes_written)));
  out += fmt::format("\nparameters              {} ({})\n", format_count(static_cast<double>(totals.param_count)),
                     format_bytes(static_cast<double>(totals.param_bytes)));
  out += fmt::format("peak activation memory  {}\n", format_bytes(static_cast<double>(totals.peak_activation_bytes)));
  if (!shapes.unsupported.empty()) {
    out += fmt::format("\nunsupported ({} nodes; their outputs and {} downstream nodes have no shape):\n", shapes.unsupported.size(),
                       shapes.unresolved.size());
    for (ir::NodeId id : shapes.unsupported) out += fmt::format("  {}: {}\n", graph.node(id).name, unsupported_reason(graph.node(id)));
  }
  return out;
}

nlohmann::json inspect_json(const ir::Graph& graph, const ir::ShapeReport& shapes, const ModelInfo& model) {
  nlohmann::json doc;
  doc["schema"] = "partplan.inspect/1";
  doc["model"] = {{"path", model.path}, {"sha256", model.sha256}, {"file_bytes", model.file_bytes},
                  {"ir_version", graph.ir_version}, {"opset", graph.opset}, {"graph_name", graph.name}};
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (ir::TensorId id : graph.inputs) inputs.push_back({{"name", graph.tensor(id).name}, {"shape", shape_json(graph.tensor(id))}});
  for (ir::TensorId id : graph.outputs) outputs.push_back({{"name", graph.tensor(id).name}, {"shape", shape_json(graph.tensor(id))}});
  doc["inputs"] = inputs;
  doc["outputs"] = outputs;
  nlohmann::json tensors = nlohmann::json::array();
  for (const ir::Tensor& t : graph.tensors)
    tensors.push_back({{"name", t.name}, {"dtype", ir::dtype_name(t.dtype)}, {"shape", shape_json(t)}, {"kind", kind_name(t)}, {"size_bytes", t.size_bytes()}});
  doc["tensors"] = tensors;
  nlohmann::json nodes = nlohmann::json::array();
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ir::Node& n = graph.nodes[i];
    const ir::NodeCost& c = graph.costs[i];
    nlohmann::json ins = nlohmann::json::array(), outs = nlohmann::json::array();
    for (ir::TensorId t : n.inputs) ins.push_back(t == ir::no_tensor ? "" : graph.tensor(t).name);
    for (ir::TensorId t : n.outputs) outs.push_back(t == ir::no_tensor ? "" : graph.tensor(t).name);
    nodes.push_back({{"name", n.name}, {"op_type", n.op_type}, {"domain", n.domain}, {"inputs", ins}, {"outputs", outs},
                     {"flops", c.flops}, {"bytes_read", c.bytes_read}, {"bytes_written", c.bytes_written}, {"param_bytes", c.param_bytes},
                     {"constant", ir::is_constant_node(graph, n)}});
  }
  doc["nodes"] = nodes;
  const auto totals = ir::graph_totals(graph);
  doc["totals"] = {{"node_count", graph.nodes.size()}, {"flops", totals.flops}, {"bytes_read", totals.bytes_read},
                   {"bytes_written", totals.bytes_written}, {"param_count", totals.param_count}, {"param_bytes", totals.param_bytes},
                   {"peak_activation_bytes", totals.peak_activation_bytes}};
  nlohmann::json unsupported = nlohmann::json::array();
  for (ir::NodeId id : shapes.unsupported)
    unsupported.push_back({{"name", graph.node(id).name}, {"op_type", graph.node(id).op_type}, {"domain", graph.node(id).domain},
                           {"reason", unsupported_reason(graph.node(id))}});
  doc["unsupported"] = unsupported;
  nlohmann::json unresolved = nlohmann::json::array();
  for (ir::NodeId id : shapes.unresolved) unresolved.push_back(graph.node(id).name);
  doc["unresolved"] = unresolved;
  return doc;
}

}  // namespace report
