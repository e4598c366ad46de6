#include "replay/plan_replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "ir/cost.h"
#include "ir/error.h"
#include "runtime/device_spec.h"
#include "runtime/latency_stats.h"

namespace replay {

std::vector<runtime::Device*> DevicePool::devices(const Candidate& candidate, const std::string& flag) {
  const std::vector<std::string>& names = candidate.device_names;
  // The candidate's devices run at once: a waiting caller may spin only on a core none of them use.
  int threads = 0;
  for (const std::string& spec : candidate.specs)
    for (const runtime::DeviceSpec& s : runtime::parse_device_list(spec, flag)) threads += s.kind == runtime::DeviceKind::cpu ? s.threads : 0;
  const bool caller_spins = threads < runtime::available_cores();
  std::vector<std::string> missing_names, missing_specs;
  for (size_t d = 0; d < names.size(); ++d) {
    if (made_.count(names[d]) || std::find(missing_names.begin(), missing_names.end(), names[d]) != missing_names.end()) continue;
    if (d < candidate.descriptions.size())
      if (std::unique_ptr<runtime::Device> device = runtime::create_cpu_device_as_described(names[d], candidate.descriptions[d], caller_spins)) {
        made_[names[d]] = std::move(device);
        continue;
      }
    missing_names.push_back(names[d]);
    missing_specs.push_back(candidate.specs[d]);
  }
  if (!missing_specs.empty()) {
    std::string list;
    for (const std::string& spec : missing_specs) list += (list.empty() ? "" : ",") + spec;
    std::vector<std::unique_ptr<runtime::Device>> made = runtime::create_devices(runtime::parse_device_list(list, flag));
    for (size_t d = 0; d < made.size(); ++d) made_[missing_names[d]] = std::move(made[d]);
  }
  std::vector<runtime::Device*> out;
  for (const std::string& name : names) out.push_back(made_.at(name).get());
  return out;
}

std::string spec_of(const std::string& description) { return description.substr(0, description.find(' ')); }

Candidate plan_candidate(const planner::Plan& plan, const ir::Graph& graph, const std::string& label, const std::string& model_path) {
  Candidate c;
  c.name = "plan";
  c.predicted_ms = plan.predicted.latency_us / 1000;
  std::map<std::string, size_t> device_index, planned;
  for (size_t d = 0; d < plan.devices.size(); ++d) {
    const planner::PlannedDevice& device = plan.devices[d];
    if (!device.present)
      throw ir::Error(ir::ErrorKind::usage, label + ": device '" + device.name + "' is a what-if (" + device.description +
                                                "), not on this machine; plan with devices profiled here");
    c.specs.push_back(spec_of(device.description));
    c.descriptions.push_back(device.description);
    c.device_names.push_back(device.name);
    device_index[device.name] = d;
  }
  for (size_t n = 0; n < plan.nodes.size(); ++n) planned[plan.nodes[n].name] = n;
  // A plan node the model lacks is the plan's fault, named first (a renamed node would else be
  // reported as the model's node missing from the plan).
  std::set<std::string> model_nodes;
  for (const ir::Node& node : graph.nodes) model_nodes.insert(node.name);
  for (const planner::PlannedNode& node : plan.nodes)
    if (!model_nodes.count(node.name)) throw ir::Error(ir::ErrorKind::usage, label + ": plan node '" + node.name + "' is not a node of the model " + model_path);
  c.placement.assign(graph.nodes.size(), 0);
  c.order.assign(graph.nodes.size(), 0);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const auto it = planned.find(graph.nodes[n].name);
    if (it == planned.end()) {
      if (ir::is_constant_node(graph, graph.nodes[n])) continue;  // folded: never runs
      throw ir::Error(ir::ErrorKind::usage, label + ": node '" + graph.nodes[n].name + "' of the model is not in the plan");
    }
    const planner::PlannedNode& p = plan.nodes[it->second];
    c.placement[n] = static_cast<int>(device_index.at(p.device));
    c.order[n] = p.order;
  }
  return c;
}

std::vector<Candidate> baseline_candidates(const planner::Plan& plan, const ir::Graph& graph) {
  std::vector<Candidate> out;
  for (const planner::Baseline& b : plan.baselines) {
    if (b.device.empty() || !b.metrics) continue;
    std::vector<runtime::DeviceSpec> specs;
    try {
      specs = runtime::parse_device_list(spec_of(b.device), b.name);
    } catch (const ir::Error&) {
      continue;  // a what-if device (a spec's estimate): nothing here to run it on
    }
    if (specs.size() != 1 || specs.front().threads > runtime::available_cores()) continue;
    out.push_back({b.name, {planner::all_on_device(b.name).value_or(b.name)}, {spec_of(b.device)}, {b.device}, std::vector<int>(graph.nodes.size(), 0), {}, b.metrics->latency_us / 1000});
  }
  return out;
}

std::vector<CandidateRun> measure_in_turns(const ir::Graph& graph, const std::vector<Candidate>& candidates, DevicePool& pool, const std::vector<runtime::Tensor>& inputs,
                                           const runtime::ExecutorOptions& options, double seconds, int requests_per_turn, int warmup, int min_turns) {
  std::vector<std::unique_ptr<runtime::Executor>> prepared;
  for (const Candidate& c : candidates) {
    prepared.push_back(std::make_unique<runtime::Executor>(graph, pool.devices(c, c.name), c.placement, options));
    prepared.back()->replay(inputs, {c.order, warmup, 1, {}, false});
  }
  std::vector<CandidateRun> runs;
  for (const Candidate& c : candidates) runs.push_back({c.name, {}, c.predicted_ms});
  const auto began = std::chrono::steady_clock::now();
  for (int turn = 0;; ++turn) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (turn >= min_turns && elapsed >= seconds) break;
    for (size_t k = 0; k < candidates.size(); ++k) {
      const runtime::ReplayResult r = prepared[k]->replay(inputs, {candidates[k].order, requests_per_turn, 1, {}, false});
      for (const runtime::RequestRecord& q : r.requests) runs[k].latency_ms.push_back(q.latency_us() / 1000);
    }
  }
  return runs;
}

MeasuredChoice choose_by_measuring(const ir::Graph& graph, const std::vector<planner::NamedPlan>& candidates, const std::vector<runtime::Tensor>& inputs,
                                   const runtime::ExecutorOptions& options, double seconds) {
  MeasuredChoice choice;
  std::vector<Candidate> replayable;
  std::vector<size_t> source;  // index into candidates
  for (size_t k = 0; k < candidates.size(); ++k) {
    const planner::Plan& plan = candidates[k].plan;
    if (!std::all_of(plan.devices.begin(), plan.devices.end(), [](const planner::PlannedDevice& d) { return d.present; })) {
      ++choice.skipped;
      continue;
    }
    Candidate c = plan_candidate(plan, graph, "--measure", plan.model_path);
    c.name = candidates[k].name;
    replayable.push_back(std::move(c));
    source.push_back(k);
  }
  if (replayable.empty()) throw ir::Error(ir::ErrorKind::usage, "--measure: no candidate plan runs on devices of this machine (what-if devices only)");
  DevicePool pool;
  choice.runs = measure_in_turns(graph, replayable, pool, inputs, options, seconds);
  std::vector<runtime::LatencySummary> summaries;
  size_t best = 0;
  for (size_t k = 0; k < choice.runs.size(); ++k) {
    summaries.push_back(runtime::summarize(choice.runs[k].latency_ms));
    if (summaries[k].p50 < summaries[best].p50) best = k;
  }
  choice.plan = candidates[source[best]].plan;
  choice.plan.measured.clear();
  for (size_t k = 0; k < choice.runs.size(); ++k)
    choice.plan.measured.push_back({choice.runs[k].name, choice.runs[k].predicted_ms, summaries[k].p50, summaries[k].p90, static_cast<int>(choice.runs[k].latency_ms.size()), k == best});
  // The runner-up, for the reason.
  std::optional<size_t> second;
  for (size_t k = 0; k < summaries.size(); ++k)
    if (k != best && (!second || summaries[k].p50 < summaries[*second].p50)) second = k;
  planner::Decision decision;
  decision.taken = choice.runs[best].name;
  decision.uncertainty = choice.plan.decision ? choice.plan.decision->uncertainty : 0.0;
  decision.predicted_gain = choice.plan.decision ? choice.plan.decision->predicted_gain : 0.0;
  decision.reason = second ? fmt::format("measured best of {} candidates replayed in turns: p50 {:.3f} ms against {:.3f} ms for {} (predicted {:.3f} ms)", choice.runs.size(),
                                         summaries[best].p50, summaries[*second].p50, choice.runs[*second].name, choice.runs[best].predicted_ms)
                           : fmt::format("the only candidate here: p50 {:.3f} ms measured (predicted {:.3f} ms)", summaries[best].p50, choice.runs[best].predicted_ms);
  choice.plan.decision = decision;
  return choice;
}

}  // namespace replay
