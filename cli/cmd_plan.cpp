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
#include "planner/plan_builder.h"
#include "replay/plan_replay.h"
#include "cli/run_inputs.h"
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
  bool keep_uncertain_split = false, allow_fallbacks = false;
  double measure_s = 0;               // --measure: seconds of replays; 0 off
  std::string measured_costmodel;     // where --measure writes what it learned
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

void print_summary(const planner::Plan& plan, bool any_gpu, double planning_s) {
  fmt::print("{:<34} {:>12} {:>10} {:>14}  {}\n", "", "latency", "req/s", any_gpu ? "peak GPU mem" : "", "nodes per device");
  auto row = [&](const std::string& name, const planner::PlanMetrics& m) {
    std::string per_device;
    for (const auto& [device, count] : m.nodes) per_device += fmt::format("{}{} {}", per_device.empty() ? "" : ", ", device, count);
    fmt::print("{:<34} {:>9.3f} ms {:>10.1f} {:>14}  {}; {} copies, {}\n", name, m.latency_us / 1000, m.throughput_per_s(),
               any_gpu ? megabytes(planner::gpu_peak_of(m)) : "", per_device, m.copies, megabytes(m.copied_bytes));
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

// --devices: one set (a,b), or alternative sets (a,b|c) of devices that cannot all run at
// once (two 1-thread CPU devices, or one 2-thread device on the same cores). Empty (default):
// every grouping of the cost model's devices (planner::device_groupings).
std::vector<std::vector<std::string>> device_sets(const PlanCommandOptions& options, const costmodel::CostModel& costs) {
  std::vector<std::vector<std::string>> sets;
  if (options.devices.empty()) return sets;
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

planner::PlanRequest plan_request(const PlanCommandOptions& options, const costmodel::CostModel& costs) {
  planner::PlanRequest request;
  request.objective = options.objective;
  request.slo_ms = options.slo_ms;
  request.gpu_mem_limit_bytes = parse_bytes(options.gpu_mem_limit, "--gpu-mem-limit");
  request.gpu_mem_limit_text = options.gpu_mem_limit;
  request.pins = options.pins;
  request.time_limit_s = options.time_limit_s;
  request.device_sets = device_sets(options, costs);
  request.devices_text = options.devices;
  request.keep_uncertain_split = options.keep_uncertain_split;
  request.allow_fallbacks = options.allow_fallbacks;
  request.with_candidates = options.measure_s > 0;
  request.costmodel_label = options.costmodel.empty() ? "(fitted from " + options.profiles.front() + ")" : options.costmodel;
  request.machine = profiler::machine_summary(profiler::machine_info());
  return request;
}

// The loaded model's graph at `bindings` (copied and resolved: weights shared).
ir::Graph resolved(const onnx_loader::LoadedModel& loaded, const ir::ShapeBindings& bindings) {
  ir::Graph graph = loaded.graph;
  ir::resolve_shapes(graph, bindings, loaded.path);
  ir::compute_costs(graph);
  return graph;
}

planner::PlanOutcome plan_at(const planner::PlanRequest& request, const costmodel::CostModel& costs, const onnx_loader::LoadedModel& loaded,
                             const ir::ShapeBindings& bindings) {
  return planner::build_plan(request, costs, resolved(loaded, bindings), loaded.path, loaded.sha256);
}

// What --measure learned: per device replayed alone, its measured p50 over its predicted
// latency, folded into the device's replay scale (a cost model of its own; the input is never
// rewritten).
costmodel::CostModel learned_from(costmodel::CostModel costs, const planner::Plan& plan) {
  for (const planner::MeasuredCandidate& m : plan.measured)
    if (m.name == "plan" && m.predicted_ms > 0 && m.p50_ms > 0) costs.split_uncertainty = std::max(costs.split_uncertainty, std::abs(m.p50_ms / m.predicted_ms - 1));
  for (const planner::MeasuredCandidate& m : plan.measured) {
    const std::optional<std::string> device = planner::all_on_device(m.name);
    if (!device || !(m.predicted_ms > 0) || !(m.p50_ms > 0)) continue;
    for (costmodel::DeviceModel& d : costs.devices)
      if (d.name == *device) d.replay_scale *= m.p50_ms / m.predicted_ms;
  }
  return costs;
}

void print_measured(const planner::Plan& plan) {
  if (plan.measured.empty()) return;
  fmt::print("measured {:<28} {:>12} {:>12} {:>10}\n", "(replayed in turns)", "p50", "predicted", "requests");
  for (const planner::MeasuredCandidate& m : plan.measured)
    fmt::print("         {:<28} {:>9.3f} ms {:>9.3f} ms {:>10}{}\n", m.name, m.p50_ms, m.predicted_ms, m.requests, m.taken ? "   <- taken" : "");
}

void print_coverage(const planner::Plan& plan) {
  std::string text;
  for (const char* source : {"measured", "node", "op", "family", "bounded", "roofline"})
    if (auto it = plan.coverage.find(source); it != plan.coverage.end() && it->second >= 0.0005)
      text += fmt::format("{}{:.1f}% {}", text.empty() ? "" : ", ", 100 * it->second, source);
  if (!text.empty()) fmt::print("coverage predicted time from: {}\n", text);
  if (plan.decision) fmt::print("decision {}: {}\n", plan.decision->taken == "plan" ? "the split" : plan.decision->taken, plan.decision->reason);
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
  if (options.measure_s > 0 && !batches.empty()) throw ir::Error(ir::ErrorKind::usage, "--measure plans one batch size; drop --sweep (or plan each batch with --batch)");
  const std::string suffix = ".plan.json";
  const std::string learned_path = !options.measured_costmodel.empty() ? options.measured_costmodel
                                   : output.ends_with(suffix)           ? output.substr(0, output.size() - suffix.size()) + ".measured.costmodel.json"
                                                                        : output + ".measured.costmodel.json";
  ir::OutputGuard files;
  options.processing.guard_inputs(files, options.model);
  files.input(options.costmodel, "--costmodel");
  for (const std::string& path : options.profiles) files.input(path, "--profile");
  if (batches.empty()) files.output(output, "--output");
  if (options.measure_s > 0) files.output(learned_path, "--measured-costmodel");
  for (int64_t b : batches) files.output(sweep_output(output, b), fmt::format("--output (--sweep batch={})", b));
  const costmodel::CostModel costs = load_costmodel(options);
  const onnx_loader::LoadedModel model = options.processing.load(options.model);
  const planner::PlanRequest request = plan_request(options, costs);

  if (batches.empty()) {
    planner::PlanOutcome outcome = plan_at(request, costs, model, bindings);
    if (options.measure_s > 0) {
      const ir::Graph graph = resolved(model, bindings);
      std::mt19937 rng(0);
      const std::vector<runtime::Tensor> inputs = host_inputs(graph, {}, rng);
      replay::MeasuredChoice choice = replay::choose_by_measuring(graph, outcome.candidates, inputs, {}, options.measure_s);
      outcome.plan = std::move(choice.plan);
      ir::write_output_file(learned_path, costmodel::to_json(learned_from(costs, outcome.plan)).dump(1) + "\n");
    }
    ir::write_output_file(output, planner::to_json(outcome.plan).dump(1) + "\n");
    if (!options.quiet) {
      fmt::print("model    {}\n", model.path);
      print_what_ifs(outcome.plan);
      print_alternatives(outcome.plan);
      print_summary(outcome.plan, outcome.any_gpu, outcome.planning_s);
      print_coverage(outcome.plan);
      print_measured(outcome.plan);
      fmt::print("plan     {}\n", output);
      if (options.measure_s > 0) fmt::print("learned  {} (the replays' scales per device; plan with it next time)\n", learned_path);
    }
    return 0;
  }
  // Every plan is made before any is written: a batch that fails leaves no files.
  std::vector<planner::PlanOutcome> outcomes;
  for (int64_t b : batches) {
    bindings.batch = b;
    try {
      outcomes.push_back(plan_at(request, costs, model, bindings));
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
  command->add_flag("--keep-uncertain-split", options->keep_uncertain_split,
                    "Take the split even when its predicted gain over the best single device is within the cost model's uncertainty");
  command->add_flag("--allow-fallbacks", options->allow_fallbacks,
                    "Plan even when most of the predicted time rests on fallbacks (formulas beyond their data, the roofline)");
  command->add_option("--measure", options->measure_s,
                      "Replay the best split and every single-device baseline here, in turns, for SECONDS (default 3), and keep the one measured best")
      ->expected(0, 1)
      ->default_str("3")
      ->check(number_in(0.1, 3600));
  command->add_option("--measured-costmodel", options->measured_costmodel,
                      "With --measure: where to write the cost model updated with what the replays measured (default PLAN minus .plan.json + .measured.costmodel.json)");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    return plan_model(*options);
  };
}

}  // namespace cli
