#include "exporter/partitions.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "exporter/export_folder.h"
#include "ir/cost.h"
#include "ir/error.h"

namespace exporter {

namespace {

// Nodes (graph indices) in the order the plan's schedule starts them; per node its device,
// predicted start and end (-1 device: a constant node, which no part runs).
struct Scheduled {
  std::vector<int> device;
  std::vector<double> start_us, end_us;
  std::vector<size_t> by_start;
};

// Grouping by the schedule: walking the nodes as they start, a node joins its device's open
// part unless (a) it reads, from another device, a tensor whose part ends after this part
// began (the part's earlier nodes would wait for it), or (b) the open part already wrote a
// tensor that another device starts reading before this node would end (the reader would wait
// for it). Reading from another device's open part closes that part. So a part's inputs are
// ready when the plan starts it, and its outputs leave when the plan sends them: the parts
// keep the plan's concurrency. nullopt when zero-time nodes tie so that the parts would wait
// on each other in a cycle.
std::optional<std::vector<int>> schedule_parts(const ir::Graph& graph, const Scheduled& s, size_t devices) {
  const size_t n = graph.nodes.size();
  std::vector<int> part_of(n, -1), open(devices, -1);
  // Per part: its first node's start, its last end, and the earliest start of a node on
  // another device reading what it wrote.
  std::vector<double> part_start, part_end, part_read_from_elsewhere;
  auto producer = [&](ir::TensorId t) -> int {
    if (t == ir::no_tensor || graph.tensor(t).value) return -1;
    const ir::NodeId p = graph.tensor(t).producer;
    return p == ir::no_node || s.device[static_cast<size_t>(p)] < 0 ? -1 : static_cast<int>(p);
  };
  int parts_made = 0;
  for (size_t node : s.by_start) {
    const int d = s.device[node];
    int& current = open[static_cast<size_t>(d)];
    if (current >= 0 && part_read_from_elsewhere[static_cast<size_t>(current)] < s.end_us[node]) current = -1;  // (b)
    for (ir::TensorId t : graph.nodes[node].inputs) {
      const int p = producer(t);
      if (p < 0 || s.device[static_cast<size_t>(p)] == d) continue;
      const int from = part_of[static_cast<size_t>(p)];
      if (from < 0) return std::nullopt;  // its producer not walked yet: the plan's times contradict the graph
      int& theirs = open[static_cast<size_t>(s.device[static_cast<size_t>(p)])];
      if (theirs == from) theirs = -1;
      if (current >= 0 && part_end[static_cast<size_t>(from)] > part_start[static_cast<size_t>(current)]) current = -1;  // (a)
    }
    if (current < 0) {
      current = parts_made++;
      part_start.push_back(s.start_us[node]);
      part_end.push_back(s.end_us[node]);
      part_read_from_elsewhere.push_back(std::numeric_limits<double>::infinity());
    }
    part_of[node] = current;
    part_end[static_cast<size_t>(current)] = std::max(part_end[static_cast<size_t>(current)], s.end_us[node]);
    for (ir::TensorId t : graph.nodes[node].outputs) {
      if (t == ir::no_tensor) continue;
      for (ir::NodeId c : graph.tensor(t).consumers)
        if (s.device[static_cast<size_t>(c)] >= 0 && s.device[static_cast<size_t>(c)] != d)
          part_read_from_elsewhere[static_cast<size_t>(current)] = std::min(part_read_from_elsewhere[static_cast<size_t>(current)], s.start_us[static_cast<size_t>(c)]);
    }
  }
  // The parts must form a DAG: Kahn's algorithm over the part graph.
  const size_t parts = static_cast<size_t>(parts_made);
  std::vector<std::vector<int>> successors(parts);
  std::vector<int> indegree(parts, 0);
  for (size_t node = 0; node < n; ++node) {
    if (part_of[node] < 0) continue;
    for (ir::TensorId t : graph.nodes[node].inputs) {
      const int p = producer(t);
      if (p < 0 || part_of[static_cast<size_t>(p)] == part_of[node]) continue;
      successors[static_cast<size_t>(part_of[static_cast<size_t>(p)])].push_back(part_of[node]);
      ++indegree[static_cast<size_t>(part_of[node])];
    }
  }
  std::vector<size_t> ready;
  for (size_t p = 0; p < parts; ++p)
    if (indegree[p] == 0) ready.push_back(p);
  size_t sorted = 0;
  while (!ready.empty()) {
    const size_t p = ready.back();
    ready.pop_back();
    ++sorted;
    for (int q : successors[p])
      if (--indegree[static_cast<size_t>(q)] == 0) ready.push_back(static_cast<size_t>(q));
  }
  if (sorted != parts) return std::nullopt;
  return part_of;
}

// The fallback: a part per (device, stage), a node's stage being the most device changes on a
// path to it. Always a DAG; a part may hold nodes the plan runs at different times.
std::vector<int> layered_parts(const ir::Graph& graph, const Scheduled& s) {
  const size_t n = graph.nodes.size();
  std::vector<int> stage(n, 0);
  std::map<std::pair<int, int>, int> index;
  std::vector<int> part_of(n, -1);
  for (size_t node = 0; node < n; ++node) {
    if (s.device[node] < 0) continue;
    for (ir::TensorId t : graph.nodes[node].inputs) {
      if (t == ir::no_tensor || graph.tensor(t).value) continue;
      const ir::NodeId p = graph.tensor(t).producer;
      if (p == ir::no_node || s.device[static_cast<size_t>(p)] < 0) continue;
      stage[node] = std::max(stage[node], stage[static_cast<size_t>(p)] + (s.device[static_cast<size_t>(p)] == s.device[node] ? 0 : 1));
    }
    part_of[node] = index.emplace(std::pair{stage[node], s.device[node]}, static_cast<int>(index.size())).first->second;
  }
  return part_of;
}

}  // namespace

std::vector<Part> partition_plan(const ir::Graph& graph, const planner::Plan& plan, const std::string& plan_path) {
  std::map<std::string, size_t> device_index, planned;
  for (size_t d = 0; d < plan.devices.size(); ++d) device_index[plan.devices[d].name] = d;
  for (size_t n = 0; n < plan.nodes.size(); ++n) planned[plan.nodes[n].name] = n;

  const size_t nodes = graph.nodes.size();
  Scheduled s{std::vector<int>(nodes, -1), std::vector<double>(nodes, 0.0), std::vector<double>(nodes, 0.0), {}};
  for (size_t n = 0; n < nodes; ++n) {
    const ir::Node& node = graph.nodes[n];
    if (ir::is_constant_node(graph, node)) continue;
    auto it = planned.find(node.name);
    if (it == planned.end()) throw ir::Error(ir::ErrorKind::usage, plan_path + ": node '" + node.name + "' of the model is not in the plan");
    const planner::PlannedNode& p = plan.nodes[it->second];
    auto device = device_index.find(p.device);
    if (device == device_index.end()) throw ir::Error(ir::ErrorKind::usage, plan_path + ": node '" + node.name + "' is on '" + p.device + "', not one of the plan's devices");
    check_file_name(p.device, plan_path + ": device");  // it names the part's files
    s.device[n] = static_cast<int>(device->second);
    s.start_us[n] = p.start_us;
    s.end_us[n] = p.end_us;
    s.by_start.push_back(n);
  }
  for (ir::TensorId t : graph.outputs)
    if (graph.tensor(t).value || graph.tensor(t).producer == ir::no_node)
      throw ir::Error(ir::ErrorKind::unsupported, plan_path + ": graph output '" + graph.tensor(t).name + "' is a constant or an input; no part computes it, so the model cannot be exported");
  // As the plan starts them, ties in graph order: a strict order, and producers first in any
  // plan whose times follow the graph.
  std::stable_sort(s.by_start.begin(), s.by_start.end(), [&](size_t a, size_t b) { return s.start_us[a] != s.start_us[b] ? s.start_us[a] < s.start_us[b] : a < b; });

  std::vector<int> part_of = schedule_parts(graph, s, plan.devices.size()).value_or(std::vector<int>{});
  if (part_of.empty()) part_of = layered_parts(graph, s);

  // Stage of a part: the longest chain of parts before it; parts numbered by (stage, device).
  int count = 0;
  for (int p : part_of) count = std::max(count, p + 1);
  std::vector<int> stage(static_cast<size_t>(count), 0), part_device(static_cast<size_t>(count), 0);
  for (size_t n = 0; n < nodes; ++n)
    if (part_of[n] >= 0) part_device[static_cast<size_t>(part_of[n])] = s.device[n];
  for (bool changed = true; changed;) {  // a DAG of parts: settles within `count` rounds
    changed = false;
    for (size_t n = 0; n < nodes; ++n) {
      if (part_of[n] < 0) continue;
      for (ir::TensorId t : graph.nodes[n].inputs) {
        if (t == ir::no_tensor || graph.tensor(t).value) continue;
        const ir::NodeId p = graph.tensor(t).producer;
        if (p == ir::no_node || part_of[static_cast<size_t>(p)] < 0 || part_of[static_cast<size_t>(p)] == part_of[n]) continue;
        const int want = stage[static_cast<size_t>(part_of[static_cast<size_t>(p)])] + 1;
        if (stage[static_cast<size_t>(part_of[n])] < want) stage[static_cast<size_t>(part_of[n])] = want, changed = true;
      }
    }
  }
  std::vector<int> rank(static_cast<size_t>(count));
  std::iota(rank.begin(), rank.end(), 0);
  std::stable_sort(rank.begin(), rank.end(), [&](int a, int b) {
    return std::pair{stage[static_cast<size_t>(a)], part_device[static_cast<size_t>(a)]} < std::pair{stage[static_cast<size_t>(b)], part_device[static_cast<size_t>(b)]};
  });
  std::vector<int> position(static_cast<size_t>(count));
  std::vector<Part> parts(static_cast<size_t>(count));
  for (size_t i = 0; i < rank.size(); ++i) {
    position[static_cast<size_t>(rank[i])] = static_cast<int>(i);
    Part& part = parts[i];
    part.stage = stage[static_cast<size_t>(rank[i])];
    part.device = plan.devices[static_cast<size_t>(part_device[static_cast<size_t>(rank[i])])].name;
    part.name = fmt::format("part{:02}_{}", i, part.device);
  }
  for (size_t n = 0; n < nodes; ++n)
    if (part_of[n] >= 0) part_of[n] = position[static_cast<size_t>(part_of[n])], parts[static_cast<size_t>(part_of[n])].nodes.push_back(static_cast<ir::NodeId>(n));

  // Boundaries: an activation read in another part than the one writing it (or a graph input)
  // is an input there and an output of its writer; graph outputs are outputs of their writer.
  std::vector<std::map<ir::TensorId, bool>> crossing(parts.size());  // per part: tensor -> is an input (else an output)
  for (size_t n = 0; n < nodes; ++n) {
    if (part_of[n] < 0) continue;
    for (ir::TensorId t : graph.nodes[n].inputs) {
      if (t == ir::no_tensor || graph.tensor(t).value) continue;
      const ir::NodeId p = graph.tensor(t).producer;
      const int from = p == ir::no_node ? -1 : part_of[static_cast<size_t>(p)];
      if (from == part_of[n]) continue;
      crossing[static_cast<size_t>(part_of[n])][t] = true;
      if (from >= 0) crossing[static_cast<size_t>(from)][t] = false;
    }
  }
  for (ir::TensorId t : graph.outputs) crossing[static_cast<size_t>(part_of[static_cast<size_t>(graph.tensor(t).producer)])][t] = false;
  for (size_t p = 0; p < parts.size(); ++p)
    for (const auto& [t, is_input] : crossing[p]) (is_input ? parts[p].inputs : parts[p].outputs).push_back(t);
  // A part of nodes nobody reads (dead code) still needs an output to be a model.
  for (Part& part : parts)
    if (part.outputs.empty())
      for (ir::NodeId n : part.nodes)
        for (ir::TensorId t : graph.node(n).outputs)
          if (t != ir::no_tensor) part.outputs.push_back(t);
  return parts;
}

}  // namespace exporter
