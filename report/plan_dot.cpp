#include "report/plan_dot.h"

#include <fmt/format.h>

#include <map>

#include "ir/error.h"

namespace report {

namespace {

// Text inside DOT's double quotes: quotes and backslashes escaped.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string quoted(const std::string& text) { return "\"" + escaped(text) + "\""; }

}  // namespace

const char* device_colour(size_t device) {
  static const char* colours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"};
  return colours[device % (sizeof(colours) / sizeof(colours[0]))];
}

std::string plan_dot(const planner::Plan& plan, const std::string& path) {
  bool any_tensor = false;
  for (const planner::PlannedNode& n : plan.nodes) any_tensor = any_tensor || !n.inputs.empty() || !n.outputs.empty();
  if (!any_tensor && !plan.nodes.empty())
    throw ir::Error(ir::ErrorKind::usage, path + ": the plan lists no tensors (written before 2026-11-25); plan again to draw it");
  std::map<std::string, size_t> device_index;
  for (size_t d = 0; d < plan.devices.size(); ++d) device_index[plan.devices[d].name] = d;
  std::map<std::string, const planner::PlannedNode*> producer;
  for (const planner::PlannedNode& n : plan.nodes)
    for (const std::string& t : n.outputs) producer[t] = &n;

  std::string out = "digraph plan {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, fontcolor=white];\n";
  out += "  edge [color=\"#888888\"];\n";
  // A legend: one entry per device.
  out += "  subgraph cluster_legend {\n    label=\"devices\"; fontname=\"Helvetica\"; fontsize=10;\n";
  for (size_t d = 0; d < plan.devices.size(); ++d)
    out += fmt::format("    {} [label={}, fillcolor=\"{}\"];\n", quoted("device:" + plan.devices[d].name), quoted(plan.devices[d].name), device_colour(d));
  out += "  }\n";
  for (const planner::PlannedNode& n : plan.nodes)
    out += fmt::format("  {} [label={}, fillcolor=\"{}\", tooltip={}];\n", quoted(n.name), "\"" + escaped(n.name) + "\\n" + escaped(n.op_type) + "\"",
                       device_colour(device_index.count(n.device) ? device_index[n.device] : 0), quoted(fmt::format("{} on {}: {:.1f} us predicted", n.op_type, n.device, n.end_us - n.start_us)));
  for (const planner::PlannedNode& n : plan.nodes)
    for (const std::string& t : n.inputs) {
      auto it = producer.find(t);
      if (it == producer.end()) {
        out += fmt::format("  {} [label={}, shape=ellipse, style=filled, fillcolor=\"#dddddd\", fontcolor=black];\n  {} -> {};\n", quoted("input:" + t), quoted(t),
                           quoted("input:" + t), quoted(n.name));
        continue;
      }
      const bool crosses = it->second->device != n.device;
      out += fmt::format("  {} -> {}{};\n", quoted(it->second->name), quoted(n.name), crosses ? fmt::format(" [penwidth=2.5, color=\"#d62728\", tooltip={}]", quoted(t + " crosses devices")) : "");
    }
  return out + "}\n";
}

}  // namespace report
