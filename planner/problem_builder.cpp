#include "planner/problem_builder.h"

#include <map>

#include "costmodel/features.h"
#include "ir/cost.h"
#include "ir/error.h"

namespace planner {

namespace {

bool is_gpu_name(const std::string& name) { return name.rfind("cuda", 0) == 0; }

// The host <-> device copy as the executor makes it: from pageable memory when the profile
// measured that, else pinned (a device spec's figure).
const profiler::LinkProfile* copy_link(const costmodel::CostModel& model, const std::string& from, const std::string& to) {
  const profiler::LinkProfile* found = nullptr;
  for (const profiler::LinkProfile& l : model.links)
    if (l.from == from && l.to == to && l.kind == "copy" && (found == nullptr || l.host_memory == "pageable")) found = &l;
  return found;
}

LinkCost cost_of(const profiler::LinkProfile& l) {
  return {l.latency_us, l.bandwidth_gb_s ? *l.bandwidth_gb_s * 1e3 : 0.0};  // GB/s = 1e3 bytes/us
}

// Handing work to a CPU device: its measured round trip, or nothing when it was not measured.
double hand_off_us(const costmodel::CostModel& model, const std::string& device) {
  for (const profiler::LinkProfile& l : model.links)
    if (l.to == device && l.kind == "hand-off") return l.latency_us;
  return 0.0;
}

// A tensor crossing from one CPU device to another: the cut edge the profile measured on the
// replay's drivers, else the host's hand-off to the reader (older profiles).
double cut_us(const costmodel::CostModel& model, const std::string& from, const std::string& to) {
  for (const profiler::LinkProfile& l : model.links)
    if (l.from == from && l.to == to && l.kind == "cut") return l.latency_us;
  return hand_off_us(model, to);
}

}  // namespace

ModelProblem problem_from(const ir::Graph& graph, const std::string& model_sha256, const costmodel::CostModel& model,
                          const std::vector<std::string>& devices) {
  ModelProblem out;
  Problem& p = out.problem;
  std::vector<const costmodel::DeviceModel*> device_models;
  for (const std::string& name : devices) {
    const costmodel::DeviceModel* d = model.device(name);
    if (d == nullptr) throw ir::Error(ir::ErrorKind::usage, "--devices: the cost model has no device '" + name + "'");
    device_models.push_back(d);
    p.devices.push_back({name, is_gpu_name(name), d->co_run_factor});
  }
  // Links between every pair of places (host first).
  const size_t places = devices.size() + 1;
  p.links.assign(places, std::vector<LinkCost>(places));
  auto place_name = [&](size_t place) { return place == 0 ? std::string("host") : devices[place - 1]; };
  for (size_t from = 0; from < places; ++from)
    for (size_t to = 0; to < places; ++to) {
      if (from == to) continue;
      const bool from_gpu = from > 0 && p.devices[from - 1].is_gpu, to_gpu = to > 0 && p.devices[to - 1].is_gpu;
      if (!from_gpu && !to_gpu) {
        p.links[from][to] = {to == 0 ? 0.0 : from == 0 ? hand_off_us(model, place_name(to)) : cut_us(model, place_name(from), place_name(to)), 0.0};
        continue;
      }
      // A GPU's copies go through the host: one hop, or two between GPUs.
      LinkCost total;
      const std::vector<std::pair<std::string, std::string>> hops =
          from_gpu && to_gpu ? std::vector<std::pair<std::string, std::string>>{{place_name(from), "host"}, {"host", place_name(to)}}
                             : std::vector<std::pair<std::string, std::string>>{{from_gpu ? place_name(from) : "host", to_gpu ? place_name(to) : "host"}};
      for (const auto& [a, b] : hops) {
        const profiler::LinkProfile* l = copy_link(model, a, b);
        if (l == nullptr)
          throw ir::Error(ir::ErrorKind::usage, "the cost model has no " + a + " -> " + b + " copy link (profile without --no-links, or give a --device-spec)");
        const LinkCost c = cost_of(*l);
        total.latency_us += c.latency_us;
        // Two hops in series: their times add, so their inverse bandwidths do.
        total.bytes_per_us = total.bytes_per_us == 0 ? c.bytes_per_us : 1.0 / (1.0 / total.bytes_per_us + 1.0 / c.bytes_per_us);
      }
      p.links[from][to] = total;
    }

  // Activation tensors: graph inputs and non-constant node outputs.
  std::map<ir::TensorId, int> tensor_index;
  auto activation = [&](ir::TensorId t) -> int {
    auto it = tensor_index.find(t);
    if (it != tensor_index.end()) return it->second;
    const ir::Tensor& info = graph.tensor(t);
    p.tensors.push_back({info.name, info.size_bytes(), -1, {}, info.is_graph_output});
    tensor_index[t] = static_cast<int>(p.tensors.size()) - 1;
    return tensor_index[t];
  };
  for (ir::TensorId t : graph.inputs) activation(t);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    if (ir::is_constant_node(graph, node)) continue;
    const int index = static_cast<int>(p.nodes.size());
    PlanNode plan_node{node.name, node.op_type, {}, {}, {}, 0, -1, {}};
    for (ir::TensorId t : node.inputs) {
      if (t == ir::no_tensor) continue;
      if (graph.tensor(t).value) {
        plan_node.weight_bytes += graph.tensor(t).size_bytes();
        continue;
      }
      const int a = activation(t);
      if (std::find(plan_node.inputs.begin(), plan_node.inputs.end(), a) == plan_node.inputs.end()) {
        plan_node.inputs.push_back(a);
        p.tensors[static_cast<size_t>(a)].consumers.push_back(index);
      }
    }
    for (ir::TensorId t : node.outputs) {
      if (t == ir::no_tensor) continue;
      const int a = activation(t);
      p.tensors[static_cast<size_t>(a)].producer = index;
      plan_node.outputs.push_back(a);
    }
    const costmodel::NodeFeatures features = costmodel::features_of(graph, static_cast<ir::NodeId>(n), model_sha256);
    std::vector<costmodel::Prediction> predicted;
    // A node the profile's runs fused into its producer costs nothing beside it, and its own
    // time alone elsewhere (the split breaks the fusion).
    const bool has_producer = !plan_node.inputs.empty() && p.tensors[static_cast<size_t>(plan_node.inputs.front())].producer >= 0;
    bool fused = false;
    for (const costmodel::DeviceModel* d : device_models) {
      const costmodel::Prediction prediction = d->predict(features);
      predicted.push_back(prediction);
      // Scaled from the node alone to the node inside a run (fused, in the run's layouts), so
      // the schedule adds up to what a run measures.
      const double in_run = d->can_run(features) ? prediction.us * d->run_scale(features) * d->replay_scale + (d->fused_in_runs(features) ? 0.0 : d->dispatch_us) : cannot_run;
      plan_node.time_us.push_back(in_run);
      const bool fused_here = has_producer && d->can_run(features) && d->fused_in_runs(features);
      plan_node.unfused_us.push_back(fused_here ? prediction.us + d->dispatch_us : in_run);
      fused = fused || fused_here;
    }
    if (fused) plan_node.fused_with = p.tensors[static_cast<size_t>(plan_node.inputs.front())].producer;
    else plan_node.unfused_us.clear();
    p.nodes.push_back(std::move(plan_node));
    out.graph_node.push_back(static_cast<ir::NodeId>(n));
    out.predicted.push_back(std::move(predicted));
  }
  return out;
}

}  // namespace planner
