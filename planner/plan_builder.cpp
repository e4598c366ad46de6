#include "planner/plan_builder.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <set>

#include "ir/error.h"
#include "planner/algorithms.h"
#include "planner/device_groups.h"
#include "planner/memory_objective.h"
#include "planner/pipeline.h"

namespace planner {

namespace {

std::string megabytes(int64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

int index_of_device(const Problem& p, const std::string& name) {
  for (size_t d = 0; d < p.devices.size(); ++d)
    if (p.devices[d].name == name) return static_cast<int>(d);
  return -1;
}

std::vector<int> parse_pins(const Problem& p, const std::vector<std::string>& pins, std::map<std::string, std::string>& asked) {
  std::vector<int> pinned(p.nodes.size(), -1);
  for (const std::string& pin : pins) {
    const size_t eq = pin.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pin.size()) throw ir::Error(ir::ErrorKind::usage, "--pin '" + pin + "': expected NODE=DEVICE");
    const std::string node = pin.substr(0, eq), device = pin.substr(eq + 1);
    const int d = index_of_device(p, device);
    if (d < 0) throw ir::Error(ir::ErrorKind::usage, "--pin '" + pin + "': '" + device + "' is not one of the planned devices");
    size_t n = 0;
    while (n < p.nodes.size() && p.nodes[n].name != node) ++n;
    if (n == p.nodes.size()) throw ir::Error(ir::ErrorKind::usage, "--pin '" + pin + "': the model has no (non-constant) node '" + node + "'");
    if (!(p.nodes[n].time_us[static_cast<size_t>(d)] < cannot_run))
      throw ir::Error(ir::ErrorKind::usage, "--pin '" + pin + "': " + device + " cannot run node '" + node + "' (" + p.nodes[n].op_type + ")");
    pinned[n] = d;
    asked[node] = device;
  }
  return pinned;
}

// How far a prediction from each source is typically off (relative), for the uncertainty of a
// plan: a node's own measured time alone still misses what running beside the others costs
// (bench/README.md: plan_quality's per-node errors); a formula is as good as its
// cross-validation says; beyond its data or on the roofline, it is a guess.
double source_uncertainty(const costmodel::DeviceModel& device, const std::string& op_type, costmodel::Source source) {
  auto cv = [](const std::map<std::string, costmodel::Formula>& formulas, const std::string& key, double floor) {
    auto it = formulas.find(key);
    return it == formulas.end() || it->second.cv.points == 0 ? floor : std::max(floor, it->second.cv.mape);
  };
  switch (source) {
    case costmodel::Source::measured: return 0.05;
    case costmodel::Source::node: return 0.10;
    case costmodel::Source::op: return cv(device.ops, op_type, 0.10);
    case costmodel::Source::family: return cv(device.families, costmodel::op_family(op_type), 0.15);
    case costmodel::Source::bounded: return 0.5;
    case costmodel::Source::roofline: return 1.0;
  }
  return 1.0;
}

struct Priced {
  Plan plan;
  double uncertainty = 0;     // predicted-time-weighted mean of the nodes' source uncertainties
  double fallback_share = 0;  // share of predicted time from bounded forms and the roofline, on devices measured here
};

// One plan over one device set.
Priced plan_over(const PlanRequest& request, const costmodel::CostModel& costs, const ir::Graph& graph, const std::string& model_path,
                 const std::string& model_sha256, const std::vector<std::string>& device_names, double& planning_s) {
  const ModelProblem built = problem_from(graph, model_sha256, costs, device_names);
  const Problem& problem = built.problem;
  for (const PlanNode& node : problem.nodes)
    if (std::none_of(node.time_us.begin(), node.time_us.end(), [](double t) { return t < cannot_run; }))
      throw ir::Error(ir::ErrorKind::unsupported, model_path + ": node '" + node.name + "' (" + node.op_type + ") can run on none of the planned devices");

  Plan plan;
  SearchOptions search;
  search.time_limit_s = request.time_limit_s;
  search.pinned = parse_pins(problem, request.pins, plan.pins);
  search.gpu_mem_limit_bytes = request.gpu_mem_limit_bytes;
  const auto began = std::chrono::steady_clock::now();
  SearchResult result;
  std::optional<Pipeline> pipeline;
  if (request.objective == "memory") {
    if (std::none_of(problem.devices.begin(), problem.devices.end(), [](const PlanDevice& d) { return d.is_gpu; }))
      throw ir::Error(ir::ErrorKind::usage, "--objective memory: none of the planned devices is a GPU (--devices)");
    MemoryResult memory = plan_memory(problem, request.slo_ms * 1000, search);
    if (!memory.feasible)
      throw ir::Error(ir::ErrorKind::usage, fmt::format("--slo-ms {}: no plan is predicted to meet it; the fastest is {:.3f} ms", request.slo_ms,
                                                        memory.best_latency_us / 1000));
    result = std::move(memory.search);
  } else if (request.objective == "throughput") {
    const double slo_us = request.slo_ms > 0 ? request.slo_ms * 1000 : cannot_run;
    pipeline = plan_pipeline(problem, slo_us, default_stages_per_device, request.time_limit_s);
    if (!pipeline)
      throw ir::Error(ir::ErrorKind::usage, request.slo_ms > 0 ? fmt::format("--slo-ms {}: no pipeline over these devices is predicted to meet it", request.slo_ms)
                                                              : std::string("--objective throughput: no device order runs every node (see --devices)"));
    result.assignment.device_of = devices_of(problem, *pipeline);
    result.assignment.priority = graph_order(problem);
    result.schedule = simulate(problem, result.assignment.device_of, result.assignment.priority);
    result.timed_out = pipeline->timed_out;
  } else {
    MemoryResult within = plan_latency_within(problem, search);
    if (!within.feasible)
      throw ir::Error(ir::ErrorKind::usage, fmt::format("--gpu-mem-limit {}: no plan is predicted to fit; the least found needs {}", request.gpu_mem_limit_text,
                                                        megabytes(gpu_peak_bytes(problem, within.search.schedule))));
    result = std::move(within.search);
  }
  planning_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  plan.model_path = model_path;
  plan.model_sha256 = model_sha256;
  plan.costmodel_path = request.costmodel_label;
  for (ir::TensorId t : graph.inputs) plan.input_shapes[graph.tensor(t).name] = graph.tensor(t).shape;
  for (const std::string& name : device_names) {
    const costmodel::DeviceModel* d = costs.device(name);
    plan.devices.push_back({name, d->description, d->estimated, d->machine, !d->estimated && d->machine == request.machine});
  }
  plan.objective = request.objective;
  if (request.slo_ms > 0) plan.slo_ms = request.slo_ms;
  plan.algorithm = request.objective == "memory"       ? "latency plan, then GPU bytes saved per us added (greedy)"
                   : request.objective == "throughput" ? fmt::format("pipeline stages (a device in up to two), bisected bottleneck over {} cut points: {}",
                                                                     pipeline->every_cut ? std::string("all") : fmt::format("{} of the {}", pipeline->cut_positions, problem.nodes.size() - 1),
                                                                     pipeline->timed_out ? "best found in its time" : "optimal")
                   : result.proven_optimal                 ? "heft+local-search (multi-start, iterated), then branch and bound: proven optimal"
                   : result.exact_searched                 ? "heft+local-search (multi-start, iterated), then branch and bound: best found in its time"
                                                           : "heft+local-search (multi-start, iterated)";
  plan.iterations = result.iterations;
  plan.moves = result.moves;
  plan.timed_out = result.timed_out;
  plan.time_limit_s = request.time_limit_s;
  // Per device, its nodes in the order they run.
  std::vector<int> order(problem.nodes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return result.assignment.priority[static_cast<size_t>(a)] < result.assignment.priority[static_cast<size_t>(b)]; });
  std::vector<int> position(problem.nodes.size()), next(problem.devices.size(), 0);
  for (int n : order) position[static_cast<size_t>(n)] = next[static_cast<size_t>(result.assignment.device_of[static_cast<size_t>(n)])]++;
  Priced priced;
  double total_us = 0, weighted = 0, fallback_us = 0;
  for (size_t n = 0; n < problem.nodes.size(); ++n) {
    const int d = result.assignment.device_of[n];
    const costmodel::Prediction& predicted = built.predicted[n][static_cast<size_t>(d)];
    PlannedNode planned{problem.nodes[n].name, problem.nodes[n].op_type, device_names[static_cast<size_t>(d)], position[n], result.schedule.start_us[n],
                        result.schedule.end_us[n], costmodel::source_name(predicted.source), predicted.estimated, {}, {}, {}, {}};
    for (int t : problem.nodes[n].inputs) planned.inputs.push_back(problem.tensors[static_cast<size_t>(t)].name);
    for (int t : problem.nodes[n].outputs) planned.outputs.push_back(problem.tensors[static_cast<size_t>(t)].name);
    const ir::Node& node = graph.node(built.graph_node[n]);
    for (ir::TensorId t : node.inputs) planned.input_shapes.push_back(t == ir::no_tensor ? std::vector<int64_t>{} : graph.tensor(t).shape);
    for (ir::TensorId t : node.outputs) planned.output_shapes.push_back(t == ir::no_tensor ? std::vector<int64_t>{} : graph.tensor(t).shape);
    const double us = result.schedule.end_us[n] - result.schedule.start_us[n];
    const costmodel::DeviceModel& device = *costs.device(device_names[static_cast<size_t>(d)]);
    total_us += us;
    weighted += us * source_uncertainty(device, node.op_type, predicted.source);
    plan.coverage[planned.source] += us;
    if (!predicted.estimated && (predicted.source == costmodel::Source::bounded || predicted.source == costmodel::Source::roofline)) fallback_us += us;
    plan.nodes.push_back(std::move(planned));
  }
  for (auto& [source, us] : plan.coverage) us = total_us > 0 ? us / total_us : 0.0;
  priced.uncertainty = total_us > 0 ? weighted / total_us : 0.0;
  priced.fallback_share = total_us > 0 ? fallback_us / total_us : 0.0;
  auto place_name = [&](int place) { return place == host ? std::string("host") : device_names[static_cast<size_t>(place)]; };
  for (const Copy& c : result.schedule.copies)
    plan.copies.push_back({problem.tensors[static_cast<size_t>(c.tensor)].name, place_name(c.from), place_name(c.to), c.bytes, c.start_us, c.end_us});
  plan.predicted = metrics_of(problem, result.assignment.device_of, result.schedule);
  {
    const Schedule with_memory = simulate(problem, result.assignment.device_of, result.assignment.priority, true);
    for (size_t d = 0; d < problem.devices.size(); ++d) plan.memory_timeline[device_names[d]] = with_memory.memory_steps[d];
  }
  if (pipeline) {
    plan.stages = pipeline->stages;
    plan.predicted.pipelined_throughput_per_s = pipeline->throughput_per_s();
  }

  for (size_t d = 0; d < problem.devices.size(); ++d) {
    const std::string name = all_on_name(device_names[d]);
    const std::string description = costs.device(device_names[d])->description;
    if (auto a = all_on(problem, static_cast<int>(d)))
      plan.baselines.push_back({name, metrics_of(problem, a->device_of, simulate(problem, a->device_of, a->priority)), "", description});
    else
      plan.baselines.push_back({name, std::nullopt, device_names[d] + " cannot run every node", description});
  }
  // For throughput, what Triton's `instance_group count: N` does: the model whole on each device
  // that runs it all, requests spread over them. Each replica serves at its own rate, slowed by
  // its co-run factor since the others always run beside it; a request's latency is its
  // replica's (the slowest's shown). Predicted only: `run --plan --compare` does not replay it.
  if (request.objective == "throughput") {
    PlanMetrics replicas;
    std::string names;
    double rate = 0;
    int count = 0;
    for (size_t d = 0; d < problem.devices.size(); ++d) {
      const std::optional<Assignment> a = all_on(problem, static_cast<int>(d));
      if (!a) continue;
      const Schedule s = simulate(problem, a->device_of, a->priority);
      const double latency = s.makespan_us * problem.devices[d].co_run_factor;
      rate += latency > 0 ? 1e6 / latency : 0.0;
      replicas.latency_us = std::max(replicas.latency_us, latency);
      replicas.peak_bytes[device_names[d]] = s.peak_bytes[d];
      replicas.busy_us[device_names[d]] = latency;
      replicas.nodes[device_names[d]] = static_cast<int>(problem.nodes.size());
      names += (names.empty() ? "" : ",") + device_names[d];
      ++count;
    }
    if (count > 1) {
      replicas.pipelined_throughput_per_s = rate;
      plan.baselines.push_back({"replicas on " + names, replicas, "", ""});
    }
  }
  for (size_t g = 0; g < problem.devices.size(); ++g)
    for (size_t c = 0; c < problem.devices.size(); ++c)
      if (problem.devices[g].is_gpu && !problem.devices[c].is_gpu) {
        const Assignment a = gpu_with_fallback(problem, static_cast<int>(g), static_cast<int>(c));
        plan.baselines.push_back({device_names[g] + " with " + device_names[c] + " fallback", metrics_of(problem, a.device_of, simulate(problem, a.device_of, a.priority)),
                                  "", ""});
      }
  priced.plan = std::move(plan);
  return priced;
}

// How far the simulator was from the splits the profile replayed for this model at these
// shapes (|measured / predicted - 1|, the worst), over devices the plan may use; none without.
std::optional<double> split_check_error(const costmodel::CostModel& costs, const ir::Graph& graph, const std::string& model_sha256,
                                        const std::vector<std::string>& devices) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (ir::TensorId t : graph.inputs) shapes[graph.tensor(t).name] = graph.tensor(t).shape;
  std::optional<double> worst;
  for (const costmodel::SplitCheck& check : costs.split_checks) {
    const auto here = [&](const std::string& name) { return std::find(devices.begin(), devices.end(), name) != devices.end(); };
    if (check.model_sha256 != model_sha256 || check.input_shapes != shapes || !here(check.first) || !here(check.second) || !(check.measured_us > 0)) continue;
    const ModelProblem built = problem_from(graph, model_sha256, costs, {check.first, check.second});
    std::vector<int> device_of(built.problem.nodes.size());
    for (size_t k = 0; k < device_of.size(); ++k) device_of[k] = static_cast<int>(k % 2);  // as the profile alternated
    bool runs = true;
    for (size_t k = 0; k < device_of.size(); ++k) runs = runs && built.problem.nodes[k].time_us[static_cast<size_t>(device_of[k])] < cannot_run;
    if (!runs) continue;
    const double predicted = simulate(built.problem, device_of, graph_order(built.problem)).makespan_us;
    if (predicted > 0) worst = std::max(worst.value_or(0.0), std::abs(check.measured_us / predicted - 1));
  }
  return worst;
}

int used_devices(const PlanMetrics& m) {
  int used = 0;
  for (const auto& [device, count] : m.nodes) used += count > 0;
  return used;
}

// The objective's figure of merit, larger better: 1 / latency, or throughput.
double merit(const std::string& objective, const PlanMetrics& m) {
  return objective == "throughput" ? m.throughput_per_s() : m.latency_us > 0 ? 1.0 / m.latency_us : 0.0;
}

}  // namespace

int64_t gpu_peak_of(const PlanMetrics& m) {
  int64_t peak = 0;
  for (const auto& [device, bytes] : m.peak_bytes)
    if (device.rfind("cuda", 0) == 0) peak = std::max(peak, bytes);
  return peak;
}

bool better(const std::string& objective, const PlanMetrics& a, const PlanMetrics& b) {
  if (objective == "throughput") return a.throughput_per_s() > b.throughput_per_s();
  if (objective == "memory" && gpu_peak_of(a) != gpu_peak_of(b)) return gpu_peak_of(a) < gpu_peak_of(b);
  return a.latency_us < b.latency_us;
}

PlanOutcome build_plan(const PlanRequest& request, const costmodel::CostModel& costs, const ir::Graph& graph, const std::string& model_path,
                       const std::string& model_sha256) {
  const std::vector<std::vector<std::string>> sets = request.device_sets.empty() ? device_groupings(costs) : request.device_sets;
  double planning_s = 0;
  // The model all on one device (pins cannot hold there: they are left out).
  PlanRequest single_request = request;
  single_request.pins.clear();
  auto all_on_device_plan = [&](const std::string& device) { return plan_over(single_request, costs, graph, model_path, model_sha256, {device}, planning_s); };
  // `chosen` replaced by a plan over `devices`, keeping what it was weighed against.
  auto replan_over = [&](Priced& chosen, const PlanRequest& with, const std::vector<std::string>& devices) {
    std::vector<Baseline> baselines = std::move(chosen.plan.baselines);
    std::vector<Alternative> alternatives = std::move(chosen.plan.alternatives);
    chosen = plan_over(with, costs, graph, model_path, model_sha256, devices, planning_s);
    chosen.plan.baselines = std::move(baselines);
    chosen.plan.alternatives = std::move(alternatives);
  };
  std::vector<std::optional<Priced>> outcomes;
  std::vector<Alternative> alternatives;
  std::optional<size_t> best;
  for (const std::vector<std::string>& set : sets) {
    alternatives.push_back({set, std::nullopt, "", false});
    try {
      outcomes.push_back(plan_over(request, costs, graph, model_path, model_sha256, set, planning_s));
      alternatives.back().metrics = outcomes.back()->plan.predicted;
      if (!best || better(request.objective, outcomes.back()->plan.predicted, outcomes[*best]->plan.predicted)) best = outcomes.size() - 1;
    } catch (const ir::Error& e) {
      // With one set, its error is the answer; with several, one set that cannot is a line.
      if (sets.size() == 1 || (e.kind() != ir::ErrorKind::usage && e.kind() != ir::ErrorKind::unsupported)) throw;
      outcomes.emplace_back();
      alternatives.back().not_possible = e.what();
    }
  }
  if (!best)
    throw ir::Error(ir::ErrorKind::usage, fmt::format("--devices '{}': no plan over any of the device sets ({})", request.devices_text, alternatives.front().not_possible));
  Priced chosen = std::move(*outcomes[*best]);
  if (sets.size() > 1) {
    alternatives[*best].chosen = true;
    chosen.plan.alternatives = alternatives;
    // Every set's single-device baselines stand beside the plan: the pooled device is always
    // among what it is compared with.
    for (size_t s = 0; s < outcomes.size(); ++s)
      if (s != *best && outcomes[s])
        for (const Baseline& b : outcomes[s]->plan.baselines)
          if (std::none_of(chosen.plan.baselines.begin(), chosen.plan.baselines.end(), [&](const Baseline& have) { return have.name == b.name; }))
            chosen.plan.baselines.push_back(b);
  }
  // Other groupings of the same cores stand beside the plan even when --devices left them out
  // (the pooled device among them): what a user would try instead of splitting.
  {
    std::set<int> used_cores;
    for (const PlannedDevice& d : chosen.plan.devices)
      if (const costmodel::DeviceModel* m = costs.device(d.name)) {
        const std::set<int> c = cores_of(*m);
        used_cores.insert(c.begin(), c.end());
      }
    for (const costmodel::DeviceModel& d : costs.devices) {
      const std::set<int> c = cores_of(d);
      const bool overlaps = std::any_of(c.begin(), c.end(), [&](int core) { return used_cores.count(core) > 0; });
      const std::string name = all_on_name(d.name);
      if (!overlaps || std::any_of(chosen.plan.baselines.begin(), chosen.plan.baselines.end(), [&](const Baseline& b) { return b.name == name; })) continue;
      try {
        chosen.plan.baselines.push_back(all_on_device_plan(d.name).plan.baselines.front());
      } catch (const ir::Error& e) {
        if (e.kind() != ir::ErrorKind::usage && e.kind() != ir::ErrorKind::unsupported) throw;
        chosen.plan.baselines.push_back({name, std::nullopt, e.what(), d.description});
      }
    }
  }
  if (chosen.fallback_share > 0.5 && !request.allow_fallbacks)
    throw ir::Error(ir::ErrorKind::usage,
                    fmt::format("{}: {:.0f}% of the plan's predicted time rests on fallbacks (formulas asked beyond their data, or the roofline): profile this model "
                                "and fit on it, or --allow-fallbacks to plan anyway",
                                model_path, 100 * chosen.fallback_share));

  // A plan that leaves devices idle is written over the devices it uses: an idle device's
  // driver would only take cores from the others, and its listing says a split that is not.
  // (Pins hold: a pinned node's device is one it uses.) The search over fewer devices is kept
  // only when it does at least as well; it may not within a --gpu-mem-limit.
  if (request.objective == "latency" && used_devices(chosen.plan.predicted) < static_cast<int>(chosen.plan.devices.size())) {
    std::vector<std::string> used;
    for (const PlannedDevice& d : chosen.plan.devices)
      if (chosen.plan.predicted.nodes.at(d.name) > 0) used.push_back(d.name);
    Priced fewer = chosen;
    try {
      replan_over(fewer, request, used);
      if (!better(request.objective, chosen.plan.predicted, fewer.plan.predicted)) chosen = std::move(fewer);
    } catch (const ir::Error& e) {
      if (e.kind() != ir::ErrorKind::usage) throw;
    }
  }
  // A split is taken only when it is predicted to win by more than the model can tell apart.
  const bool split = used_devices(chosen.plan.predicted) > 1;
  std::vector<NamedPlan> candidates;
  if (request.with_candidates) {
    if (split) candidates.push_back({"plan", chosen.plan});
    for (const Baseline& b : chosen.plan.baselines) {
      const std::optional<std::string> device = all_on_device(b.name);
      if (!b.metrics || b.device.empty() || !device) continue;
      Priced one = all_on_device_plan(*device);
      one.plan.baselines = chosen.plan.baselines;
      one.plan.alternatives = chosen.plan.alternatives;
      candidates.push_back({b.name, std::move(one.plan)});
    }
  }
  // Pins are the user's split: kept as asked. A what-if plan (a device not here) is a question
  // about devices the user does not have: answered as searched, marked what-if.
  const bool all_here = std::all_of(chosen.plan.devices.begin(), chosen.plan.devices.end(), [](const PlannedDevice& d) { return d.present; });
  if (split && all_here && request.objective != "memory" && request.pins.empty()) {
    const Baseline* best_baseline = nullptr;
    for (const Baseline& b : chosen.plan.baselines)
      if (b.metrics && !b.device.empty() && (!best_baseline || better(request.objective, *b.metrics, *best_baseline->metrics))) best_baseline = &b;
    if (best_baseline != nullptr) {
      Decision decision;
      // What replays of splits showed bounds it from below: the profile's split of this model
      // against its prediction, and what plan --measure has seen.
      std::vector<std::string> set;
      for (const PlannedDevice& d : chosen.plan.devices) set.push_back(d.name);
      const std::optional<double> profiled_split = split_check_error(costs, graph, model_sha256, set);
      decision.uncertainty = std::max({chosen.uncertainty, costs.split_uncertainty, profiled_split.value_or(0.0)});
      decision.predicted_gain = 1 - merit(request.objective, *best_baseline->metrics) / merit(request.objective, chosen.plan.predicted);
      // "4.9% faster than", or "3.1% slower than" (the best baseline may come from another set).
      const std::string versus = fmt::format("{:.1f}% {} than {}", 100 * std::abs(decision.predicted_gain), decision.predicted_gain >= 0 ? "faster" : "slower",
                                             best_baseline->name);
      if (decision.predicted_gain > decision.uncertainty || request.keep_uncertain_split) {
        decision.taken = "plan";
        decision.reason = fmt::format("the split is predicted {}, {}{}", versus,
                                      decision.predicted_gain > decision.uncertainty ? fmt::format("beyond the cost model's uncertainty for it ({:.1f}%)", 100 * decision.uncertainty)
                                                                                     : "and kept by --keep-uncertain-split",
                                      "");
      } else {
        decision.taken = best_baseline->name;
        decision.reason = fmt::format("the split was predicted {}, {} the cost model's uncertainty for it ({:.1f}%): the baseline is taken "
                                      "(plan --measure replays both; --keep-uncertain-split keeps the split)",
                                      versus, decision.predicted_gain >= 0 ? "within" : "beside", 100 * decision.uncertainty);
        replan_over(chosen, single_request, {*all_on_device(best_baseline->name)});  // no pins here: they keep the split
      }
      chosen.plan.decision = decision;
    }
  }
  // Replicas are served, not planned: said when they are predicted to beat what is written.
  if (request.objective == "throughput")
    for (const Baseline& b : chosen.plan.baselines)
      if (b.metrics && b.name.starts_with("replicas on ") && better(request.objective, *b.metrics, chosen.plan.predicted)) {
        if (!chosen.plan.decision) chosen.plan.decision = Decision{"plan", "", 0, 0};
        chosen.plan.decision->reason += fmt::format("{}{} is predicted {:.0f} req/s against this plan's {:.0f}: serve the model whole on each device "
                                                    "(Triton's instance_group count) instead of this plan",
                                                    chosen.plan.decision->reason.empty() ? "" : "; ", b.name, b.metrics->throughput_per_s(),
                                                    chosen.plan.predicted.throughput_per_s());
        break;
      }
  const bool any_gpu = std::any_of(chosen.plan.devices.begin(), chosen.plan.devices.end(), [](const PlannedDevice& d) { return d.name.rfind("cuda", 0) == 0; });
  return {std::move(chosen.plan), std::move(candidates), any_gpu, planning_s};
}

}  // namespace planner
