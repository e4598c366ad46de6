// `partplan plan MODEL (--costmodel FILE | --profile FILE...)`: place the model's nodes on the
// devices for the objective, predict the plan and every baseline with the simulator, and write
// partplan.plan/1 (docs/formats.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <memory>

#include "cli/commands.h"
#include "cli/flag_ranges.h"
#include "cli/json_file.h"
#include "cli/model_flags.h"
#include "cli/shape_flags.h"
#include "costmodel/costmodel_json.h"
#include "costmodel/fit.h"
#include "ir/output_file.h"
#include "ir/cost.h"
#include "ir/error.h"
#include "onnx_loader/onnx_loader.h"
#include "planner/algorithms.h"
#include "planner/memory_objective.h"
#include "planner/pipeline.h"
#include "planner/plan.h"
#include "profiler/profiler.h"

namespace cli {

namespace {

struct PlanCommandOptions {
  ProcessingFlags processing;  // --pre, --post
  std::string model, costmodel, output, devices, objective = "latency";
  std::vector<std::string> profiles, pins;
  ShapeFlags shape;
  double time_limit_s = 10;
  double slo_ms = 0;  // 0: none
  std::string gpu_mem_limit;  // bytes, or with a unit: 8G, 512M
  std::string sweep;          // batch=1,2,4: a plan per batch size
  bool quiet = false;
};

std::vector<std::string> split_devices(const std::string& text) {
  std::vector<std::string> names;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    if (end == begin) throw ir::Error(ir::ErrorKind::usage, "--devices '" + text + "': an empty device name");
    names.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return names;
}

costmodel::CostModel load_costmodel(const PlanCommandOptions& options) {
  if (options.costmodel.empty() == options.profiles.empty())
    throw ir::Error(ir::ErrorKind::usage, "give --costmodel FILE or --profile FILE (one of them)");
  if (!options.costmodel.empty()) return costmodel::costmodel_from_json(read_json_file(options.costmodel, "--costmodel"), options.costmodel);
  std::vector<profiler::Profile> profiles;
  for (const std::string& path : options.profiles) profiles.push_back(profiler::profile_from_json(read_json_file(path, "--profile"), path));
  return costmodel::fit_cost_model(profiles, options.profiles, {});
}

int index_of_device(const planner::Problem& p, const std::string& name) {
  for (size_t d = 0; d < p.devices.size(); ++d)
    if (p.devices[d].name == name) return static_cast<int>(d);
  return -1;
}

std::vector<int> parse_pins(const planner::Problem& p, const std::vector<std::string>& pins, std::map<std::string, std::string>& asked) {
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
    if (!(p.nodes[n].time_us[static_cast<size_t>(d)] < planner::cannot_run))
      throw ir::Error(ir::ErrorKind::usage, "--pin '" + pin + "': " + device + " cannot run node '" + node + "' (" + p.nodes[n].op_type + ")");
    pinned[n] = d;
    asked[node] = device;
  }
  return pinned;
}

// "8G", "512M", "64K" or plain bytes; "" is no limit (0).
int64_t parse_bytes(const std::string& text, const std::string& flag) {
  if (text.empty()) return 0;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  const double scale = unit.empty() ? 1.0 : unit == "K" ? 1024.0 : unit == "M" ? 1024.0 * 1024 : unit == "G" ? 1024.0 * 1024 * 1024 : -1.0;
  if (used == 0 || scale < 0 || !(value > 0) || value * scale > 9e18)
    throw ir::Error(ir::ErrorKind::usage, flag + " '" + text + "': expected a positive size in bytes, or with K, M or G");
  return static_cast<int64_t>(value * scale);
}

std::string megabytes(int64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// The largest predicted peak over the plan's GPUs (what the memory objective minimises).
int64_t gpu_peak_of(const planner::PlanMetrics& m) {
  int64_t peak = 0;
  for (const auto& [device, bytes] : m.peak_bytes)
    if (device.rfind("cuda", 0) == 0) peak = std::max(peak, bytes);
  return peak;
}

void print_summary(const planner::Plan& plan, bool any_gpu, double planning_s) {
  fmt::print("{:<34} {:>12} {:>10} {:>14}  {}\n", "", "latency", "req/s", any_gpu ? "peak GPU mem" : "", "nodes per device");
  auto row = [&](const std::string& name, const planner::PlanMetrics& m) {
    std::string per_device;
    for (const auto& [device, count] : m.nodes) per_device += fmt::format("{}{} {}", per_device.empty() ? "" : ", ", device, count);
    fmt::print("{:<34} {:>9.3f} ms {:>10.1f} {:>14}  {}; {} copies, {}\n", name, m.latency_us / 1000, m.throughput_per_s(),
               any_gpu ? megabytes(gpu_peak_of(m)) : "", per_device, m.copies, megabytes(m.copied_bytes));
  };
  row("plan", plan.predicted);
  for (const planner::Baseline& b : plan.baselines) {
    if (b.metrics) row(b.name, *b.metrics);
    else fmt::print("{:<34} not possible: {}\n", b.name, b.not_possible);
  }
  for (size_t k = 0; k < plan.stages.size(); ++k) {
    const planner::Stage& st = plan.stages[k];
    fmt::print("stage {}: {} nodes {}..{} on {}: {:.3f} ms, {} in ({:.3f} ms)\n", k + 1, st.last - st.first + 1, plan.nodes[static_cast<size_t>(st.first)].name,
               plan.nodes[static_cast<size_t>(st.last)].name, plan.devices[static_cast<size_t>(st.device)].name, st.compute_us / 1000, megabytes(st.transfer_bytes),
               st.transfer_us / 1000);
  }
  // A device holding several stages spends their sum on every request: that sum, not a stage,
  // is what competes for the bottleneck.
  for (size_t d = 0; d < plan.devices.size(); ++d) {
    std::vector<std::string> held;
    double busy_us = 0;
    for (size_t k = 0; k < plan.stages.size(); ++k)
      if (plan.stages[k].device == static_cast<int>(d)) {
        held.push_back(std::to_string(k + 1));
        busy_us += plan.stages[k].compute_us;
      }
    if (held.size() > 1) fmt::print("{} holds stages {}: {:.3f} ms per request\n", plan.devices[d].name, fmt::join(held, " and "), busy_us / 1000);
  }
  for (const planner::PlannedDevice& d : plan.devices)
    if (d.estimated) fmt::print("note: {} is estimated from a device spec ({})\n", d.name, d.description);
  fmt::print("planned in {:.2f} s ({} simulations, {} moves{})\n", planning_s, plan.iterations, plan.moves, plan.timed_out ? ", stopped by --time-limit" : "");
}

struct PlanOutcome {
  planner::Plan plan;
  bool any_gpu = false;
  double planning_s = 0;
};

// One plan of the loaded model at `bindings` (its graph copied and resolved: weights shared).
PlanOutcome make_plan(const PlanCommandOptions& options, const costmodel::CostModel& costs, const onnx_loader::LoadedModel& loaded, const ir::ShapeBindings& bindings,
                      const std::vector<std::string>& device_names) {
  onnx_loader::LoadedModel model{loaded.graph, loaded.path, loaded.sha256, loaded.file_bytes, loaded.composed_of};
  ir::resolve_shapes(model.graph, bindings, model.path);
  ir::compute_costs(model.graph);

  const planner::ModelProblem built = planner::problem_from(model.graph, model.sha256, costs, device_names);
  const planner::Problem& problem = built.problem;
  for (const planner::PlanNode& node : problem.nodes)
    if (std::none_of(node.time_us.begin(), node.time_us.end(), [](double t) { return t < planner::cannot_run; }))
      throw ir::Error(ir::ErrorKind::unsupported, model.path + ": node '" + node.name + "' (" + node.op_type + ") can run on none of the planned devices");

  planner::Plan plan;
  planner::SearchOptions search;
  search.time_limit_s = options.time_limit_s;
  search.pinned = parse_pins(problem, options.pins, plan.pins);
  search.gpu_mem_limit_bytes = parse_bytes(options.gpu_mem_limit, "--gpu-mem-limit");
  const auto began = std::chrono::steady_clock::now();
  planner::SearchResult result;
  std::optional<planner::Pipeline> pipeline;
  if (options.objective == "memory") {
    if (std::none_of(problem.devices.begin(), problem.devices.end(), [](const planner::PlanDevice& d) { return d.is_gpu; }))
      throw ir::Error(ir::ErrorKind::usage, "--objective memory: none of the planned devices is a GPU (--devices)");
    planner::MemoryResult memory = planner::plan_memory(problem, options.slo_ms * 1000, search);
    if (!memory.feasible)
      throw ir::Error(ir::ErrorKind::usage, fmt::format("--slo-ms {}: no plan is predicted to meet it; the fastest is {:.3f} ms", options.slo_ms,
                                                        memory.best_latency_us / 1000));
    result = std::move(memory.search);
  } else if (options.objective == "throughput") {
    const double slo_us = options.slo_ms > 0 ? options.slo_ms * 1000 : planner::cannot_run;
    pipeline = planner::plan_pipeline(problem, slo_us, planner::default_stages_per_device, options.time_limit_s);
    if (!pipeline)
      throw ir::Error(ir::ErrorKind::usage, options.slo_ms > 0 ? fmt::format("--slo-ms {}: no pipeline over these devices is predicted to meet it", options.slo_ms)
                                                              : std::string("--objective throughput: no device order runs every node (see --devices)"));
    result.assignment.device_of = planner::devices_of(problem, *pipeline);
    result.assignment.priority = planner::graph_order(problem);
    result.schedule = planner::simulate(problem, result.assignment.device_of, result.assignment.priority);
    result.timed_out = pipeline->timed_out;
  } else {
    planner::MemoryResult within = planner::plan_latency_within(problem, search);
    if (!within.feasible)
      throw ir::Error(ir::ErrorKind::usage, fmt::format("--gpu-mem-limit {}: no plan is predicted to fit; the least found needs {}", options.gpu_mem_limit,
                                                        megabytes(planner::gpu_peak_bytes(problem, within.search.schedule))));
    result = std::move(within.search);
  }
  const double planning_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  plan.model_path = model.path;
  plan.model_sha256 = model.sha256;
  plan.costmodel_path = options.costmodel.empty() ? "(fitted from " + options.profiles.front() + ")" : options.costmodel;
  for (ir::TensorId t : model.graph.inputs) plan.input_shapes[model.graph.tensor(t).name] = model.graph.tensor(t).shape;
  const std::string here = profiler::machine_summary(profiler::machine_info());
  for (const std::string& name : device_names) {
    const costmodel::DeviceModel* d = costs.device(name);
    plan.devices.push_back({name, d->description, d->estimated, d->machine, !d->estimated && d->machine == here});
  }
  plan.objective = options.objective;
  if (options.slo_ms > 0) plan.slo_ms = options.slo_ms;
  plan.algorithm = options.objective == "memory"       ? "latency plan, then GPU bytes saved per us added (greedy)"
                   : options.objective == "throughput" ? fmt::format("pipeline stages (a device in up to two), bisected bottleneck over {} cut points: {}",
                                                                     pipeline->every_cut ? std::string("all") : fmt::format("{} of the {}", pipeline->cut_positions, problem.nodes.size() - 1),
                                                                     pipeline->timed_out ? "best found in its time" : "optimal")
                   : result.proven_optimal                 ? "heft+local-search (multi-start, iterated), then branch and bound: proven optimal"
                   : result.exact_searched                 ? "heft+local-search (multi-start, iterated), then branch and bound: best found in its time"
                                                           : "heft+local-search (multi-start, iterated)";
  plan.iterations = result.iterations;
  plan.moves = result.moves;
  plan.timed_out = result.timed_out;
  plan.time_limit_s = options.time_limit_s;
  // Per device, its nodes in the order they run.
  std::vector<int> order(problem.nodes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return result.assignment.priority[static_cast<size_t>(a)] < result.assignment.priority[static_cast<size_t>(b)]; });
  std::vector<int> position(problem.nodes.size()), next(problem.devices.size(), 0);
  for (int n : order) position[static_cast<size_t>(n)] = next[static_cast<size_t>(result.assignment.device_of[static_cast<size_t>(n)])]++;
  for (size_t n = 0; n < problem.nodes.size(); ++n) {
    const int d = result.assignment.device_of[n];
    const costmodel::Prediction& predicted = built.predicted[n][static_cast<size_t>(d)];
    planner::PlannedNode planned{problem.nodes[n].name, problem.nodes[n].op_type, device_names[static_cast<size_t>(d)], position[n], result.schedule.start_us[n],
                                 result.schedule.end_us[n], costmodel::source_name(predicted.source), predicted.estimated, {}, {}, {}, {}};
    for (int t : problem.nodes[n].inputs) planned.inputs.push_back(problem.tensors[static_cast<size_t>(t)].name);
    for (int t : problem.nodes[n].outputs) planned.outputs.push_back(problem.tensors[static_cast<size_t>(t)].name);
    const ir::Node& node = model.graph.node(built.graph_node[n]);
    for (ir::TensorId t : node.inputs) planned.input_shapes.push_back(t == ir::no_tensor ? std::vector<int64_t>{} : model.graph.tensor(t).shape);
    for (ir::TensorId t : node.outputs) planned.output_shapes.push_back(t == ir::no_tensor ? std::vector<int64_t>{} : model.graph.tensor(t).shape);
    plan.nodes.push_back(std::move(planned));
  }
  auto place_name = [&](int place) { return place == planner::host ? std::string("host") : device_names[static_cast<size_t>(place)]; };
  for (const planner::Copy& c : result.schedule.copies)
    plan.copies.push_back({problem.tensors[static_cast<size_t>(c.tensor)].name, place_name(c.from), place_name(c.to), c.bytes, c.start_us, c.end_us});
  plan.predicted = planner::metrics_of(problem, result.assignment.device_of, result.schedule);
  {
    const planner::Schedule with_memory = planner::simulate(problem, result.assignment.device_of, result.assignment.priority, true);
    for (size_t d = 0; d < problem.devices.size(); ++d) plan.memory_timeline[device_names[d]] = with_memory.memory_steps[d];
  }
  if (pipeline) {
    plan.stages = pipeline->stages;
    plan.predicted.pipelined_throughput_per_s = pipeline->throughput_per_s();
  }

  for (size_t d = 0; d < problem.devices.size(); ++d) {
    const std::string name = "all on " + device_names[d];
    if (auto a = planner::all_on(problem, static_cast<int>(d)))
      plan.baselines.push_back({name, planner::metrics_of(problem, a->device_of, planner::simulate(problem, a->device_of, a->priority)), ""});
    else
      plan.baselines.push_back({name, std::nullopt, device_names[d] + " cannot run every node"});
  }
  for (size_t g = 0; g < problem.devices.size(); ++g)
    for (size_t c = 0; c < problem.devices.size(); ++c)
      if (problem.devices[g].is_gpu && !problem.devices[c].is_gpu) {
        const planner::Assignment a = planner::gpu_with_fallback(problem, static_cast<int>(g), static_cast<int>(c));
        plan.baselines.push_back({device_names[g] + " with " + device_names[c] + " fallback",
                                  planner::metrics_of(problem, a.device_of, planner::simulate(problem, a.device_of, a.priority)), ""});
      }

  const bool any_gpu = std::any_of(problem.devices.begin(), problem.devices.end(), [](const planner::PlanDevice& d) { return d.is_gpu; });
  return {std::move(plan), any_gpu, planning_s};
}

// --devices: one set (a,b), or alternative sets (a,b|c) of devices that cannot all run at
// once (two 1-thread CPU devices, or one 2-thread device on the same cores). Default: all.
std::vector<std::vector<std::string>> device_sets(const PlanCommandOptions& options, const costmodel::CostModel& costs) {
  std::vector<std::vector<std::string>> sets;
  if (options.devices.empty()) {
    sets.emplace_back();
    for (const costmodel::DeviceModel& d : costs.devices) sets.back().push_back(d.name);
    return sets;
  }
  for (size_t begin = 0; begin <= options.devices.size();) {
    const size_t end = std::min(options.devices.find('|', begin), options.devices.size());
    sets.push_back(split_devices(options.devices.substr(begin, end - begin)));
    begin = end + 1;
  }
  // A name the cost model lacks is a typo, not a set that cannot run the model.
  for (const auto& set : sets)
    for (const std::string& name : set)
      if (costs.device(name) == nullptr) {
        std::vector<std::string> known;
        for (const costmodel::DeviceModel& d : costs.devices) known.push_back(d.name);
        throw ir::Error(ir::ErrorKind::usage, fmt::format("--devices '{}': the cost model has no device '{}' (it has {})", options.devices, name, fmt::join(known, ", ")));
      }
  return sets;
}

// Whether `a` serves the objective better than `b`.
bool better(const std::string& objective, const planner::PlanMetrics& a, const planner::PlanMetrics& b) {
  if (objective == "throughput") return a.throughput_per_s() > b.throughput_per_s();
  if (objective == "memory" && gpu_peak_of(a) != gpu_peak_of(b)) return gpu_peak_of(a) < gpu_peak_of(b);
  return a.latency_us < b.latency_us;
}

// A plan over each device set; the best for the objective, the others recorded beside it. With
// one set, its plan (and its errors) as they are.
PlanOutcome best_plan(const PlanCommandOptions& options, const costmodel::CostModel& costs, const onnx_loader::LoadedModel& model, const ir::ShapeBindings& bindings) {
  const std::vector<std::vector<std::string>> sets = device_sets(options, costs);
  if (sets.size() == 1) return make_plan(options, costs, model, bindings, sets.front());
  std::vector<std::optional<PlanOutcome>> outcomes;
  std::vector<planner::Alternative> alternatives;
  std::optional<size_t> best;
  for (const std::vector<std::string>& set : sets) {
    alternatives.push_back({set, std::nullopt, "", false});
    try {
      outcomes.push_back(make_plan(options, costs, model, bindings, set));
      alternatives.back().metrics = outcomes.back()->plan.predicted;
      if (!best || better(options.objective, outcomes.back()->plan.predicted, outcomes[*best]->plan.predicted)) best = outcomes.size() - 1;
    } catch (const ir::Error& e) {
      if (e.kind() != ir::ErrorKind::usage && e.kind() != ir::ErrorKind::unsupported) throw;
      outcomes.emplace_back();
      alternatives.back().not_possible = e.what();
    }
  }
  if (!best)
    throw ir::Error(ir::ErrorKind::usage, fmt::format("--devices '{}': no plan over any of the device sets ({})", options.devices, alternatives.front().not_possible));
  alternatives[*best].chosen = true;
  PlanOutcome chosen = std::move(*outcomes[*best]);
  chosen.plan.alternatives = std::move(alternatives);
  return chosen;
}

void print_alternatives(const planner::Plan& plan) {
  if (plan.alternatives.empty()) return;
  fmt::print("device sets ({} objective):\n", plan.objective);
  for (const planner::Alternative& a : plan.alternatives) {
    const std::string devices = fmt::format("{}", fmt::join(a.devices, ","));
    if (!a.metrics) {
      fmt::print("  {:<24} not possible: {}\n", devices, a.not_possible);
      continue;
    }
    fmt::print("  {:<24} {:>9.3f} ms {:>10.1f} req/s{}\n", devices, a.metrics->latency_us / 1000, a.metrics->throughput_per_s(), a.chosen ? "   <- chosen" : "");
  }
}

// A what-if plan says so before its figures.
void print_what_ifs(const planner::Plan& plan) {
  for (const planner::PlannedDevice& d : plan.devices)
    if (!d.present)
      fmt::print("what-if  {}: {}\n", d.name, d.estimated ? "not here: estimated from a device spec (" + d.description + ")"
                                                          : "not here: profiled on " + (d.machine.empty() ? std::string("a machine not recorded") : d.machine) + " (" + d.description + ")");
}

// --sweep batch=1,2,4: the batch sizes.
std::vector<int64_t> sweep_batches(const std::string& text) {
  const std::string prefix = "batch=";
  if (text.rfind(prefix, 0) != 0) throw ir::Error(ir::ErrorKind::usage, "--sweep '" + text + "': expected batch=N,N,... (e.g. batch=1,2,4,8)");
  std::vector<int64_t> batches;
  const std::string list = text.substr(prefix.size());
  for (size_t begin = 0; begin <= list.size();) {
    const size_t end = std::min(list.find(',', begin), list.size());
    const std::string item = list.substr(begin, end - begin);
    begin = end + 1;
    size_t used = 0;
    int64_t b = 0;
    try {
      b = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || b < 1) throw ir::Error(ir::ErrorKind::usage, "--sweep '" + text + "': '" + item + "' is not a positive batch size");
    if (std::find(batches.begin(), batches.end(), b) == batches.end()) batches.push_back(b);
  }
  std::sort(batches.begin(), batches.end());
  return batches;
}

// model.plan.json -> model.b8.plan.json (else the name plus .b8).
std::string sweep_output(const std::string& output, int64_t batch) {
  const std::string suffix = ".plan.json";
  if (output.size() > suffix.size() && output.ends_with(suffix)) return output.substr(0, output.size() - suffix.size()) + fmt::format(".b{}", batch) + suffix;
  return output + fmt::format(".b{}", batch);
}

std::string placement_text(const planner::PlanMetrics& m) {
  std::string text;
  for (const auto& [device, count] : m.nodes)
    if (count > 0) text += fmt::format("{}{} {}", text.empty() ? "" : ", ", device, count);
  return text;
}

int plan_model(const PlanCommandOptions& options) {
  if (options.objective != "latency" && options.objective != "memory" && options.objective != "throughput")
    throw ir::Error(ir::ErrorKind::usage, "--objective '" + options.objective + "': latency, memory or throughput");
  if (options.objective == "throughput" && !options.pins.empty())
    throw ir::Error(ir::ErrorKind::usage, "--pin: not supported with --objective throughput (its stages are contiguous in the graph's order)");
  if (options.objective == "memory" && !(options.slo_ms > 0)) throw ir::Error(ir::ErrorKind::usage, "--objective memory needs --slo-ms (the latency to stay under)");
  // Flags the objective does not use are refused, not ignored.
  if (options.objective == "latency" && options.slo_ms > 0)
    throw ir::Error(ir::ErrorKind::usage, "--slo-ms applies to --objective memory or throughput (a latency plan is the fastest the search finds)");
  if (options.objective == "throughput" && !options.gpu_mem_limit.empty())
    throw ir::Error(ir::ErrorKind::usage, "--gpu-mem-limit applies to --objective latency or memory, not throughput");
  const std::vector<int64_t> batches = options.sweep.empty() ? std::vector<int64_t>{} : sweep_batches(options.sweep);
  ir::ShapeBindings bindings = options.shape.bindings();
  if (!batches.empty() && bindings.batch) throw ir::Error(ir::ErrorKind::usage, "--sweep sets the batch size; drop --batch");
  const std::string output = options.output.empty() ? output_beside(options.model, ".plan.json") : options.output;
  ir::OutputGuard files;
  options.processing.guard_inputs(files, options.model);
  files.input(options.costmodel, "--costmodel");
  for (const std::string& path : options.profiles) files.input(path, "--profile");
  if (batches.empty()) files.output(output, "--output");
  for (int64_t b : batches) files.output(sweep_output(output, b), fmt::format("--output (--sweep batch={})", b));
  const costmodel::CostModel costs = load_costmodel(options);
  const onnx_loader::LoadedModel model = options.processing.load(options.model);

  if (batches.empty()) {
    const PlanOutcome outcome = best_plan(options, costs, model, bindings);
    ir::write_output_file(output, planner::to_json(outcome.plan).dump(1) + "\n");
    if (!options.quiet) {
      fmt::print("model    {}\n", model.path);
      print_what_ifs(outcome.plan);
      print_alternatives(outcome.plan);
      print_summary(outcome.plan, outcome.any_gpu, outcome.planning_s);
      fmt::print("plan     {}\n", output);
    }
    return 0;
  }
  // Every plan is made before any is written: a batch that fails leaves no files.
  std::vector<PlanOutcome> outcomes;
  for (int64_t b : batches) {
    bindings.batch = b;
    try {
      outcomes.push_back(best_plan(options, costs, model, bindings));
    } catch (const ir::Error& e) {
      throw ir::Error(e.kind(), fmt::format("--sweep batch={}: {}", b, e.what()));
    }
    // --batch binds symbolic leading dims only: a model whose batch dim is fixed (or bound by
    // --shape) would give the same plan at every size.
    const auto& shapes = outcomes.back().plan.input_shapes;
    if (std::none_of(shapes.begin(), shapes.end(), [&](const auto& entry) { return !entry.second.empty() && entry.second.front() == b; }))
      throw ir::Error(ir::ErrorKind::usage, fmt::format("--sweep batch={}: no input of {} has a leading dim the batch binds (it is fixed, or set by --shape)", b, model.path));
  }
  for (size_t i = 0; i < batches.size(); ++i) ir::write_output_file(sweep_output(output, batches[i]), planner::to_json(outcomes[i].plan).dump(1) + "\n");
  if (!options.quiet) {
    fmt::print("model    {}  ({} objective, a plan per batch size)\n", model.path, options.objective);
    print_what_ifs(outcomes.front().plan);
    fmt::print("{:>6} {:>12} {:>10} {:>12}  {:<34} {}\n", "batch", "latency", "req/s", "items/s", "nodes per device", "");
    std::string previous;
    for (size_t i = 0; i < batches.size(); ++i) {
      const planner::PlanMetrics& m = outcomes[i].plan.predicted;
      const std::string placement = placement_text(m);
      fmt::print("{:>6} {:>9.3f} ms {:>10.1f} {:>12.1f}  {:<34} {}\n", batches[i], m.latency_us / 1000, m.throughput_per_s(), m.throughput_per_s() * static_cast<double>(batches[i]),
                 placement, i > 0 && placement != previous ? "<- placement changes" : "");
      previous = placement;
    }
    std::string all;
    for (int64_t b : batches) {
      fmt::print("plan     {}\n", sweep_output(output, b));
      all += (all.empty() ? "" : " ") + sweep_output(output, b);
    }
    fmt::print("chart    partplan report {} --html sweep.html\n", all);
  }
  return 0;
}

}  // namespace

Action add_plan_command(CLI::App& app) {
  auto options = std::make_shared<PlanCommandOptions>();
  CLI::App* command = app.add_subcommand("plan", "Place the model's nodes on devices and predict the plan beside the baselines");
  command->add_option("model", options->model, "ONNX model file")->required();
  options->processing.add_to(*command);
  options->shape.add_to(*command);
  command->add_option("--costmodel", options->costmodel, "partplan.costmodel/1 file (from partplan fit)");
  command->add_option("--profile", options->profiles, "partplan.profile/1 file(s) to fit a cost model from instead");
  command->add_option("--devices", options->devices,
                      "Devices of the cost model to plan over, comma-separated (default: all of them); sets that share cores separated by | "
                      "(cpu0,cpu1|cpu2): a plan over each, the best kept");
  command->add_option("--objective", options->objective, "latency, memory (least GPU memory within --slo-ms) or throughput (pipeline stages)");
  command->add_option("--slo-ms", options->slo_ms, "The predicted per-request latency a memory or throughput plan must stay under, in ms")->check(number_in(0, 3.6e6, true));
  command->add_option("--pin", options->pins, "NODE=DEVICE: keep a node on a device (repeatable)");
  command->add_option("--gpu-mem-limit", options->gpu_mem_limit, "Latency objective: keep each GPU's predicted peak under this (bytes, or 8G, 512M)");
  command->add_option("--sweep", options->sweep, "batch=1,2,4,...: a plan per batch size (written as MODEL.bN.plan.json), and where the placement changes");
  command->add_option("--time-limit", options->time_limit_s, "Seconds the search may take (default 10)")->check(number_in(0, 86400, true));
  command->add_option("-o,--output", options->output, "Plan file (default MODEL.plan.json beside the model)");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    return plan_model(*options);
  };
}

}  // namespace cli
