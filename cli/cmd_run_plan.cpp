// `partplan run MODEL --plan PLAN`: the plan replayed on its devices, all working at once
// (Executor::replay), under a closed or open loop; measured latency percentiles, throughput,
// busy shares, memory and copies set beside the plan's prediction, outputs checked against the
// model on one CPU device, and with --compare the single-device baselines run in the same
// process, alternating with the plan.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/json_file.h"
#include "cli/planned_model.h"
#include "cli/run_inputs.h"
#include "cli/run_options.h"
#include "ir/output_file.h"
#include "ir/cost.h"
#include "ir/error.h"
#include "planner/plan.h"
#include "replay/plan_replay.h"
#include "runtime/device_spec.h"
#include "runtime/executor.h"
#include "runtime/latency_stats.h"
#include "runtime/library_versions.h"

namespace cli {

namespace {

using nlohmann::json;

// a / b, or 0 where b is not positive (nothing to set beside).
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }


// What a replay may hold for its per-request records (each request's arrival, admission and
// finish, and every node's start and end): the bound on how many requests one run takes, so that
// no rate or duration can grow memory without limit (docs/cli.md).
constexpr double kRecordBudgetBytes = 512.0 * (1 << 20);
constexpr int64_t kMostRequests = 1'000'000;

int64_t most_requests(size_t nodes) {
  const double per_request = sizeof(runtime::RequestRecord) + sizeof(double) + static_cast<double>(nodes) * sizeof(runtime::NodeSpan);
  return std::min<int64_t>(kMostRequests, static_cast<int64_t>(kRecordBudgetBytes / per_request));
}

// The requests of one run within most_requests for this plan (each flag's own range is its
// validator's, cli/flag_ranges.h): --requests, or an open loop's expected --rate x --duration.
void check_load(const ReplayFlags& flags, bool open_loop, size_t nodes) {
  const int64_t most = most_requests(nodes);
  const std::string why = fmt::format("at most {} requests, whose records fit the {:.0f} MiB a replay keeps for this plan's {} nodes", most,
                                      kRecordBudgetBytes / (1 << 20), nodes);
  if (open_loop && flags.rate * flags.duration_s > static_cast<double>(most))
    throw ir::Error(ir::ErrorKind::usage, fmt::format("--rate {} x --duration {} asks for about {:.0f} requests; {} (lower the rate or shorten the duration)",
                                                      flags.rate, flags.duration_s, flags.rate * flags.duration_s, why));
  if (flags.requests > most) throw ir::Error(ir::ErrorKind::usage, fmt::format("--requests {}: {}", flags.requests, why));
}

// Poisson arrivals: exponential gaps at `rate` per second for `duration_s`, from a fixed seed;
// never more than `most` (a Poisson count can pass its expectation, which check_load bounds).
std::vector<double> poisson_arrivals(double rate, double duration_s, uint32_t seed, int64_t most) {
  std::mt19937 rng(seed);
  std::exponential_distribution<double> gap(rate / 1e6);
  std::vector<double> arrivals;
  for (double t = gap(rng); t < duration_s * 1e6 && static_cast<int64_t>(arrivals.size()) < most; t += gap(rng)) arrivals.push_back(t);
  if (arrivals.empty()) arrivals.push_back(0);
  return arrivals;
}

struct OutputCheck {
  double max_abs = 0, max_rel = 0;
  std::string worst;  // the output with the largest error beyond the tolerance; empty when all pass
};

// Floats within 1e-4 + 1e-3 x |reference| (kernels on other devices and thread counts sum in
// other orders), everything else exactly.
OutputCheck check_outputs(const ir::Graph& graph, const std::vector<runtime::Tensor>& reference, const std::vector<runtime::Tensor>& outputs) {
  OutputCheck check;
  for (size_t k = 0; k < graph.outputs.size(); ++k) {
    const runtime::Tensor &want = reference[k], &got = outputs[k];
    const std::string& name = graph.tensor(graph.outputs[k]).name;
    if (got.shape != want.shape || got.dtype != want.dtype) {
      check.worst = name + " (shape or type differs)";
      continue;
    }
    const int64_t count = want.element_count();
    for (int64_t i = 0; i < count; ++i) {
      double a = 0, b = 0;
      switch (want.dtype) {
        case ir::DType::float32: a = want.as<float>()[i], b = got.as<float>()[i]; break;
        case ir::DType::int64: a = static_cast<double>(want.as<int64_t>()[i]), b = static_cast<double>(got.as<int64_t>()[i]); break;
        case ir::DType::int32: a = want.as<int32_t>()[i], b = got.as<int32_t>()[i]; break;
        default: a = want.as<unsigned char>()[i], b = got.as<unsigned char>()[i]; break;
      }
      const double error = std::abs(a - b);
      check.max_abs = std::max(check.max_abs, error);
      if (a != 0) check.max_rel = std::max(check.max_rel, error / std::abs(a));
      const double tolerance = want.dtype == ir::DType::float32 ? 1e-4 + 1e-3 * std::abs(a) : 0.0;
      if (!(error <= tolerance) && check.worst.empty()) check.worst = fmt::format("{} (element {}: {} against {})", name, i, b, a);
    }
  }
  return check;
}

// One request's nodes on the replay's clock, from the request's arrival.
struct Timeline {
  double latency_ms = -1;  // < 0: none kept
  std::vector<runtime::NodeSpan> spans;
  std::vector<runtime::CopySpan> copies;  // its copies between memories, times from its arrival too
};

// One configuration's measured runs, merged over the rounds of --compare.
struct Measured {
  static constexpr size_t samples_per_node = 2000;  // enough for a median, bounded memory
  std::vector<double> latency_ms;
  double wall_us = 0;
  std::vector<double> busy_us, node_total_us;
  std::vector<std::vector<double>> node_samples_us;  // per node, per request (with spans)
  Timeline typical;  // the request whose latency is nearest its round's median
  int64_t copies = 0, copied_bytes = 0;
  double copy_us = 0;
  int most_waiting = 0;
  std::vector<runtime::Tensor> outputs;

  void add(const runtime::ReplayResult& r) {
    for (const runtime::RequestRecord& q : r.requests) latency_ms.push_back(q.latency_us() / 1000);
    wall_us += r.wall_us;
    if (busy_us.empty()) busy_us.assign(r.device_busy_us.size(), 0.0), node_total_us.assign(r.node_total_us.size(), 0.0);
    for (size_t d = 0; d < busy_us.size(); ++d) busy_us[d] += r.device_busy_us[d];
    for (size_t n = 0; n < node_total_us.size(); ++n) node_total_us[n] += r.node_total_us[n];
    copies += r.copies, copied_bytes += r.copied_bytes, copy_us += r.copy_us;
    most_waiting = std::max(most_waiting, r.most_waiting);
    outputs = r.outputs;
    if (r.spans.empty()) return;
    node_samples_us.resize(r.node_total_us.size());
    for (const std::vector<runtime::NodeSpan>& request : r.spans)
      for (size_t n = 0; n < request.size(); ++n)
        if (request[n].end_us > 0 && node_samples_us[n].size() < samples_per_node) node_samples_us[n].push_back(request[n].end_us - request[n].start_us);
    std::vector<double> latencies;
    for (const runtime::RequestRecord& q : r.requests) latencies.push_back(q.latency_us() / 1000);
    std::vector<double> sorted = latencies;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double median = sorted[sorted.size() / 2];
    const size_t k = static_cast<size_t>(std::find(latencies.begin(), latencies.end(), median) - latencies.begin());
    if (typical.latency_ms < 0 || std::abs(median - runtime::summarize(latency_ms).p50) < std::abs(typical.latency_ms - runtime::summarize(latency_ms).p50)) {
      typical.latency_ms = median;
      typical.spans = r.spans[k];
      for (runtime::NodeSpan& span : typical.spans)
        if (span.end_us > 0) span.start_us -= r.requests[k].arrived_us, span.end_us -= r.requests[k].arrived_us;
      typical.copies.clear();
      for (runtime::CopySpan c : r.copy_spans)
        if (c.request == static_cast<int>(k)) {
          c.start_us -= r.requests[k].arrived_us;
          c.end_us -= r.requests[k].arrived_us;
          typical.copies.push_back(c);
        }
    }
  }
  // A node's median time per request; its mean where no spans were kept.
  double node_us(size_t n) const {
    if (n >= node_samples_us.size() || node_samples_us[n].empty()) return latency_ms.empty() ? 0.0 : node_total_us[n] / static_cast<double>(latency_ms.size());
    std::vector<double> v = node_samples_us[n];
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  }
  double throughput_per_s() const { return wall_us > 0 ? static_cast<double>(latency_ms.size()) / (wall_us / 1e6) : 0.0; }
};

json latency_json(const runtime::LatencySummary& l) {
  return {{"mean", l.mean}, {"min", l.min}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}, {"max", l.max}};
}

// measured / predicted - 1, or null where nothing was predicted.
json relative_error(double measured, double predicted) { return predicted > 0 ? json(measured / predicted - 1) : json(nullptr); }

}  // namespace

int run_plan(const RunOptions& options) {
  const ReplayFlags& flags = options.replay;
  const bool open_loop = flags.rate > 0 || flags.duration_s > 0;
  if (open_loop && !(flags.rate > 0 && flags.duration_s > 0)) throw ir::Error(ir::ErrorKind::usage, "--rate and --duration go together, both positive");
  if (open_loop && flags.requests > 0) throw ir::Error(ir::ErrorKind::usage, "--requests is a closed loop's; an open loop's come from --rate x --duration");
  if (open_loop && flags.compare)
    throw ir::Error(ir::ErrorKind::usage, "--compare runs closed loops (an open loop's latency includes queueing the baselines' would not); drop --rate/--duration");

  ir::OutputGuard files;
  guard_run_files(files, options);
  const planner::Plan plan = planner::plan_from_json(read_json_file(flags.plan, "--plan"), flags.plan);
  check_load(flags, open_loop, plan.nodes.size());
  ir::ShapeBindings bindings = options.shape.bindings();
  onnx_loader::LoadedModel model = load_planned_model(plan, "--plan " + flags.plan, options.model, options.processing,
                                                      options.processing.pre.empty() && options.processing.post.empty() ? "" : " (with --pre/--post)", bindings);
  ir::Graph& graph = model.graph;
  const std::vector<onnx_loader::NamedTensor> given = read_input_files(options.inputs_dir, graph, bindings);
  resolve_planned_shapes(model, bindings);
  ir::compute_costs(graph);

  // The plan's devices, made as they were profiled, and its nodes' places on them.
  const replay::Candidate planned = replay::plan_candidate(plan, graph, "--plan " + flags.plan, model.path);
  const auto parsed_specs = runtime::parse_device_list(fmt::format("{}", fmt::join(planned.specs, ",")), "--plan devices");
  runtime::check_threads(parsed_specs, "--plan " + flags.plan + " devices", options.allow_oversubscribe);
  replay::DevicePool pool;
  const std::vector<runtime::Device*> devices = pool.devices(planned, "--plan devices");
  const std::vector<int>& placement = planned.placement;
  const std::vector<int>& order = planned.order;
  std::vector<double> predicted_us(graph.nodes.size(), 0.0);
  {
    std::map<std::string, size_t> index;
    for (size_t n = 0; n < plan.nodes.size(); ++n) index[plan.nodes[n].name] = n;
    for (size_t n = 0; n < graph.nodes.size(); ++n)
      if (auto it = index.find(graph.nodes[n].name); it != index.end()) predicted_us[n] = plan.nodes[it->second].end_us - plan.nodes[it->second].start_us;
  }

  std::mt19937 rng(options.seed);
  const std::vector<runtime::Tensor> inputs = host_inputs(graph, given, rng);

  // The reference: the whole model on one CPU device, before any executor drops weights.
  std::vector<runtime::Tensor> reference;
  {
    auto one = runtime::create_devices(runtime::parse_device_list("cpu", "reference"));
    runtime::Executor executor(graph, *one[0], {.fuse = !options.no_fuse, .channels_last = !options.no_channels_last});
    reference = executor.run(inputs);
  }

  // With --compare several executors prepare from the graph's weights, so none may drop them.
  runtime::ExecutorOptions executor_options{.fuse = !options.no_fuse, .channels_last = !options.no_channels_last};
  if (!flags.compare) executor_options.weight_copied = [&graph](ir::TensorId t) { graph.tensors[static_cast<size_t>(t)].value.reset(); };
  runtime::Executor executor(graph, devices, placement, executor_options);
  // --compare runs every single-device baseline the plan lists (each device of every grouping
  // of its cores: the pooled device among them), each on devices of its own. A plan written
  // before baselines named their devices gets each of its devices alone and, with several CPU
  // devices, one CPU device with all their threads.
  struct BaselineRun {
    std::string name;
    std::unique_ptr<runtime::Executor> executor;  // null: the plan itself (one device, the same)
    Measured measured;
  };
  std::vector<BaselineRun> baselines;
  std::vector<std::string> not_possible;
  if (flags.compare) {
    std::vector<replay::Candidate> candidates = replay::baseline_candidates(plan, graph);
    if (candidates.empty()) {
      int cpu_devices = 0, cpu_threads = 0;
      for (size_t d = 0; d < parsed_specs.size(); ++d) {
        candidates.push_back({planner::all_on_name(plan.devices[d].name), {plan.devices[d].name}, {planned.specs[d]}, {planned.descriptions[d]}, std::vector<int>(graph.nodes.size(), 0), {}, 0});
        if (parsed_specs[d].kind == runtime::DeviceKind::cpu) ++cpu_devices, cpu_threads += parsed_specs[d].threads;
      }
      if (cpu_devices > 1)
        candidates.push_back({fmt::format("one cpu:threads={}", cpu_threads), {"pooled"}, {fmt::format("cpu:threads={}", cpu_threads)}, {},
                              std::vector<int>(graph.nodes.size(), 0), {}, 0});
    }
    for (const replay::Candidate& c : candidates) {
      // The plan all on this same device is this baseline: one measurement, not two samples
      // of the same thing's noise.
      if (planned.device_names.size() == 1 && c.device_names.front() == planned.device_names.front()) {
        baselines.push_back({c.name, nullptr, {}});
        continue;
      }
      runtime::Device& device = *pool.devices(c, "--compare").front();
      bool all = true;
      for (const ir::Node& node : graph.nodes) all = all && (ir::is_constant_node(graph, node) || device.supports(graph, node));
      if (!all) {
        not_possible.push_back(c.name);
        continue;
      }
      baselines.push_back({c.name, std::make_unique<runtime::Executor>(graph, device, executor_options), {}});
    }
  }

  runtime::ReplayOptions replay;
  replay.order = order;
  // A pipeline keeps every stage fed with two requests per stage in flight: with one, a device
  // holding two stages idles whenever its next request is still in the other device's stage
  // (resnet_small with pre/post: 94% of the busiest device's bound at 4 in flight, 97% at 8).
  replay.concurrency = flags.concurrency > 0 ? flags.concurrency : std::max<int>(1, 2 * static_cast<int>(plan.stages.size()));
  replay.requests = flags.requests > 0 ? flags.requests : 50;
  if (open_loop) {
    replay.arrivals_us = poisson_arrivals(flags.rate, flags.duration_s, options.seed, most_requests(plan.nodes.size()));
    replay.requests = static_cast<int>(replay.arrivals_us.size());
  }
  if (options.warmup > 0) {
    runtime::ReplayOptions warm{order, options.warmup * replay.concurrency, replay.concurrency, {}, false};
    executor.replay(inputs, warm);
    for (BaselineRun& b : baselines)
      if (b.executor) b.executor->replay(inputs, {{}, options.warmup, 1, {}, false});
  }
  // The plan and the baselines take turns (a third of the requests each time), so drift on a
  // shared machine falls on all of them alike. Baselines run one request at a time: a single
  // device has nothing to overlap. Peak memory is the plan's own: reset before each of its
  // turns and read right after (the baselines use the same devices).
  Measured measured;
  std::vector<int64_t> peak_bytes(devices.size(), 0);
  const int rounds = baselines.empty() ? 1 : std::min(3, replay.requests);
  for (int round = 0; round < rounds; ++round) {
    runtime::ReplayOptions part = replay;
    part.requests = replay.requests / rounds + (round < replay.requests % rounds ? 1 : 0);
    part.record_nodes = true;  // per-node medians and a timeline
    for (auto& d : devices) d->reset_peak_memory();
    measured.add(executor.replay(inputs, part));
    for (size_t d = 0; d < devices.size(); ++d) peak_bytes[d] = std::max(peak_bytes[d], devices[d]->memory().peak_bytes);
    for (BaselineRun& b : baselines)
      if (b.executor) b.measured.add(b.executor->replay(inputs, {{}, part.requests, 1, {}, false}));
  }

  const OutputCheck check = check_outputs(graph, reference, measured.outputs);
  const runtime::LatencySummary latency = runtime::summarize(measured.latency_ms);
  const double throughput = measured.throughput_per_s();
  int within_slo = 0;
  for (double l : measured.latency_ms) within_slo += flags.slo_ms > 0 && l <= flags.slo_ms;
  const double goodput = measured.wall_us > 0 ? within_slo / (measured.wall_us / 1e6) : 0.0;
  const double requests = static_cast<double>(measured.latency_ms.size());
  // Per node, measured / predicted - 1; its median over the nodes that ran.
  // The nodes whose time was furthest off in microseconds per request lead the printout: where
  // the plan's picture of the devices was wrong.
  std::vector<double> node_errors;
  std::vector<size_t> furthest;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (predicted_us[n] > 0 && measured.node_total_us[n] > 0) {
      node_errors.push_back(std::abs(measured.node_us(n) / predicted_us[n] - 1));
      furthest.push_back(n);
    }
  auto off_by_us = [&](size_t n) { return std::abs(measured.node_us(n) - predicted_us[n]); };
  std::sort(furthest.begin(), furthest.end(), [&](size_t a, size_t b) { return off_by_us(a) > off_by_us(b); });
  furthest.resize(std::min<size_t>(furthest.size(), 3));
  std::sort(node_errors.begin(), node_errors.end());
  // The median as pandas and numpy take it (the two middle values averaged for an even count),
  // so a notebook recomputing it from the run file's nodes gets the same figure.
  const size_t middle = node_errors.size() / 2;
  const double node_median_error = node_errors.empty()           ? 0.0
                                   : node_errors.size() % 2 == 1 ? node_errors[middle]
                                                                 : (node_errors[middle - 1] + node_errors[middle]) / 2;

  if (!options.json_path.empty()) {
    json doc;
    doc["schema"] = "partplan.run/1";
    doc["mode"] = "plan";
    doc["model"] = {{"path", model.path}, {"sha256", model.sha256}};
    json bound = json::object();
    for (ir::TensorId t : graph.inputs) bound[graph.tensor(t).name] = graph.tensor(t).shape;
    doc["input_shapes"] = bound;
    doc["plan"] = {{"path", flags.plan}, {"objective", plan.objective}, {"algorithm", plan.algorithm}};
    doc["load"] = {{"loop", open_loop ? "open" : "closed"},
                   {"requests", static_cast<int>(requests)},
                   {"concurrency", replay.concurrency},
                   {"rate_per_s", open_loop ? json(flags.rate) : json(nullptr)},
                   {"duration_s", open_loop ? json(flags.duration_s) : json(nullptr)},
                   {"warmup", options.warmup},
                   {"seed", options.seed}};
    doc["inputs"] = options.inputs_dir.empty() ? json(fmt::format("random (seed {})", options.seed)) : json(options.inputs_dir);
    doc["latency_ms"] = latency_json(latency);
    doc["throughput_per_s"] = throughput;
    doc["slo_ms"] = flags.slo_ms > 0 ? json(flags.slo_ms) : json(nullptr);
    doc["goodput_per_s"] = flags.slo_ms > 0 ? json(goodput) : json(nullptr);
    doc["most_waiting"] = measured.most_waiting;
    doc["devices"] = json::array();
    for (size_t d = 0; d < devices.size(); ++d) {
      const std::string& name = plan.devices[d].name;
      const auto predicted_busy = plan.predicted.busy_us.find(name);
      doc["devices"].push_back({{"name", name},
                                {"description", devices[d]->description()},
                                {"busy_share", measured.wall_us > 0 ? measured.busy_us[d] / measured.wall_us : 0.0},
                                {"busy_us_per_request", measured.busy_us[d] / requests},
                                {"predicted_busy_us", predicted_busy == plan.predicted.busy_us.end() ? json(nullptr) : json(predicted_busy->second)},
                                {"peak_memory_bytes", peak_bytes[d]}});
    }
    doc["copies"] = {{"count", measured.copies}, {"bytes", measured.copied_bytes}, {"time_us", measured.copy_us}};
    doc["predicted"] = {{"latency_ms", plan.predicted.latency_us / 1000},
                        {"throughput_per_s", plan.predicted.throughput_per_s()},
                        {"latency_error", relative_error(latency.p50, plan.predicted.latency_us / 1000)},
                        {"throughput_error", relative_error(throughput, plan.predicted.throughput_per_s())},
                        {"node_median_error", node_median_error}};
    doc["outputs_check"] = {{"reference", "the model on one CPU device (1 thread)"},
                            {"max_abs_error", check.max_abs},
                            {"max_rel_error", check.max_rel},
                            {"ok", check.worst.empty()}};
    doc["baselines"] = json::array();
    for (const BaselineRun& b : baselines) {
      const Measured& m = b.executor ? b.measured : measured;
      const runtime::LatencySummary l = runtime::summarize(m.latency_ms);
      doc["baselines"].push_back({{"name", b.name},
                                  {"latency_ms", latency_json(l)},
                                  {"throughput_per_s", m.throughput_per_s()},
                                  {"plan_latency_ratio", ratio(latency.p50, l.p50)},
                                  {"plan_throughput_ratio", ratio(throughput, m.throughput_per_s())},
                                  {"is_the_plan", !b.executor}});
    }
    json libraries = json::object();
    for (const auto& [library, version] : runtime::library_versions()) libraries[library] = version;
    doc["libraries"] = libraries;
    doc["peak_rss_bytes"] = peak_rss_bytes();
    doc["nodes"] = json::array();
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      if (ir::is_constant_node(graph, graph.nodes[n])) continue;
      doc["nodes"].push_back({{"name", graph.nodes[n].name},
                              {"op_type", graph.nodes[n].op_type},
                              {"device", plan.devices[static_cast<size_t>(placement[n])].name},
                              {"mean_us", measured.node_total_us[n] / requests},
                              {"median_us", measured.node_us(n)},
                              {"predicted_us", predicted_us[n]}});
    }
    // One request as it ran, for a timeline beside the plan's predicted schedule.
    if (measured.typical.latency_ms >= 0) {
      json spans = json::array();
      for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const runtime::NodeSpan& span = measured.typical.spans[n];
        if (span.end_us <= 0 && span.start_us <= 0) continue;
        spans.push_back({{"name", graph.nodes[n].name},
                         {"device", plan.devices[static_cast<size_t>(placement[n])].name},
                         {"start_us", span.start_us},
                         {"end_us", span.end_us}});
      }
      json copies = json::array();
      auto place = [&](int d) { return d < 0 ? std::string("host") : plan.devices[static_cast<size_t>(d)].name; };
      for (const runtime::CopySpan& c : measured.typical.copies)
        copies.push_back({{"tensor", graph.tensor(static_cast<ir::TensorId>(c.tensor)).name},
                          {"from", place(c.from)},
                          {"to", place(c.to)},
                          {"bytes", c.bytes},
                          {"start_us", c.start_us},
                          {"end_us", c.end_us}});
      doc["timeline"] = {{"latency_ms", measured.typical.latency_ms}, {"nodes", spans}, {"copies", copies}};
    }
    ir::write_output_file(options.json_path, doc.dump(1) + "\n");
  }

  if (!options.quiet) {
    fmt::print("model    {}\n", model.path);
    fmt::print("plan     {} ({}: {})\n", flags.plan, plan.objective, plan.algorithm);
    fmt::print("load     {}\n", open_loop ? fmt::format("open loop, Poisson {:.1f} req/s for {:.1f} s ({} requests), at most {} in flight", flags.rate,
                                                         flags.duration_s, replay.requests, replay.concurrency)
                                          : fmt::format("closed loop, {} requests, {} in flight, after {} warm-up{}", replay.requests, replay.concurrency,
                                                        options.warmup * replay.concurrency, rounds > 1 ? fmt::format(" (in {} turns with the baselines)", rounds) : ""));
    fmt::print("{:<22} {:>10} {:>10} {:>10} {:>10} {:>12}\n", "", "p50 ms", "p90 ms", "p99 ms", "max ms", "req/s");
    fmt::print("{:<22} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.3f} {:>12.1f}\n", "measured", latency.p50, latency.p90, latency.p99, latency.max, throughput);
    fmt::print("{:<22} {:>10.3f} {:>10} {:>10} {:>10} {:>12.1f}   (measured/predicted: latency {:.2f}x, req/s {:.2f}x)\n", "predicted",
               plan.predicted.latency_us / 1000, "", "", "", plan.predicted.throughput_per_s(), ratio(latency.p50, plan.predicted.latency_us / 1000),
               ratio(throughput, plan.predicted.throughput_per_s()));
    for (const BaselineRun& b : baselines) {
      if (!b.executor) {
        fmt::print("{:<22} {:>10} (the plan itself: all on its one device)\n", b.name, "=");
        continue;
      }
      const runtime::LatencySummary l = runtime::summarize(b.measured.latency_ms);
      fmt::print("{:<22} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.3f} {:>12.1f}   (plan/baseline: latency {:.3f}x, req/s {:.3f}x)\n", b.name, l.p50, l.p90, l.p99,
                 l.max, b.measured.throughput_per_s(), ratio(latency.p50, l.p50), ratio(throughput, b.measured.throughput_per_s()));
    }
    for (const std::string& name : not_possible) fmt::print("{:<22} not possible: cannot run every node\n", name);
    if (flags.slo_ms > 0) fmt::print("goodput  {:.1f} req/s within {} ms ({} of {})\n", goodput, flags.slo_ms, within_slo, measured.latency_ms.size());
    for (size_t d = 0; d < devices.size(); ++d)
      fmt::print("device   {}: busy {:.0f}% of the time, {:.3f} ms per request (predicted {:.3f}), peak {:.2f} MiB\n", plan.devices[d].name,
                 measured.wall_us > 0 ? 100 * measured.busy_us[d] / measured.wall_us : 0.0, measured.busy_us[d] / requests / 1000,
                 plan.predicted.busy_us.count(plan.devices[d].name) ? plan.predicted.busy_us.at(plan.devices[d].name) / 1000 : 0.0,
                 static_cast<double>(peak_bytes[d]) / (1 << 20));
    fmt::print("copies   {} ({:.2f} MiB, {:.3f} ms)  nodes: median |measured/predicted - 1| {:.0f}%\n", measured.copies,
               static_cast<double>(measured.copied_bytes) / (1 << 20), measured.copy_us / 1000, 100 * node_median_error);
    for (size_t n : furthest)
      fmt::print("         {} ({}) on {}: {:.1f} us measured, {:.1f} predicted\n", graph.nodes[n].name, graph.nodes[n].op_type,
                 plan.devices[static_cast<size_t>(placement[n])].name, measured.node_us(n), predicted_us[n]);
    if (open_loop) fmt::print("queue    an arrival found at most {} earlier request(s) waiting for a slot\n", measured.most_waiting);
    fmt::print("outputs  {} the model on one CPU device (max abs error {:.3g}, max rel {:.3g})\n", check.worst.empty() ? "match" : "DIFFER from", check.max_abs,
               check.max_rel);
    fmt::print("process  peak RSS {:.1f} MiB\n", static_cast<double>(peak_rss_bytes()) / (1 << 20));
  }
  if (!check.worst.empty())
    throw ir::Error(ir::ErrorKind::mismatch, "--plan " + flags.plan + ": output " + check.worst + " differs from the model run on one CPU device");
  return 0;
}

}  // namespace cli
