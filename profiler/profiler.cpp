#include "profiler/profiler.h"


#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "ir/cost.h"
#include "ir/error.h"
#include "profiler/co_run.h"
#include "profiler/cut_edges.h"
#include "profiler/gpu_trace.h"
#include "profiler/isolate.h"
#include "profiler/links.h"
#include "profiler/timed_runs.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"
#include "runtime/latency_stats.h"
#include "runtime/library_versions.h"

namespace profiler {

namespace {

using Clock = std::chrono::steady_clock;


// Random values for the graph's inputs, made on the host and copied into the device's memory.
std::vector<runtime::Tensor> device_inputs(const ir::Graph& g, runtime::Device& device, std::mt19937& rng) {
  std::vector<runtime::Tensor> inputs;
  for (ir::TensorId t : g.inputs) {
    const ir::Tensor& info = g.tensor(t);
    runtime::Tensor host = runtime::host_tensor(info.dtype, info.shape);
    runtime::fill_random(host, rng);
    runtime::Tensor on_device = device.allocate(info.dtype, info.shape);
    device.copy_from_host(host.data, on_device);
    inputs.push_back(std::move(on_device));
  }
  return inputs;
}

const NodeResult* resumed_node(const Profile* resume, const BatchProfile& batch, const std::string& node, const std::string& device) {
  if (resume == nullptr) return nullptr;
  for (const BatchProfile& b : resume->batches) {
    if (b.batch != batch.batch || b.input_shapes != batch.input_shapes) continue;
    for (const NodeRecord& n : b.nodes) {
      if (n.name != node) continue;
      auto it = n.devices.find(device);
      return it == n.devices.end() ? nullptr : &it->second;
    }
  }
  return nullptr;
}

const WholeModel* resumed_whole(const Profile* resume, const BatchProfile& batch, const std::string& device) {
  if (resume == nullptr) return nullptr;
  for (const BatchProfile& b : resume->batches) {
    if (b.batch != batch.batch || b.input_shapes != batch.input_shapes) continue;
    auto it = b.whole_model.find(device);
    return it == b.whole_model.end() ? nullptr : &it->second;
  }
  return nullptr;
}

// A node whose shapes were not resolved (after an op partplan lacks) cannot be run alone.
bool shapes_resolved(const ir::Graph& g, const ir::Node& node) {
  for (ir::TensorId t : node.inputs)
    if (t != ir::no_tensor && !g.tensor(t).shape_known) return false;
  for (ir::TensorId t : node.outputs)
    if (t != ir::no_tensor && !g.tensor(t).shape_known) return false;
  return true;
}

// CUPTI's cost on up to five of the nodes just measured, spread over the graph.
std::vector<TracingOverhead> sample_tracing_overhead(const ir::Graph& g, runtime::Device& device, const std::vector<size_t>& timed_nodes,
                                                     GpuTrace& trace, std::mt19937& rng) {
  std::vector<TracingOverhead> samples;
  const size_t count = std::min<size_t>(5, timed_nodes.size());
  for (size_t i = 0; i < count; ++i) {
    const size_t n = timed_nodes[i * timed_nodes.size() / count];
    const ir::Graph alone = isolate_node(g, static_cast<ir::NodeId>(n));
    runtime::Executor executor(alone, device, {.fuse = false, .channels_last = false});
    const auto inputs = device_inputs(alone, device, rng);
    samples.push_back(tracing_overhead(device, executor, inputs, g.nodes[n].name, trace));
  }
  return samples;
}

// Measurements are only kept from a profile made the same way: same settings, same devices.
void check_resumable(const Profile& previous, const Profile& now) {
  if (previous.settings != now.settings)
    throw ir::Error(ir::ErrorKind::usage, "--resume: the profile was made with other measurement settings (" + previous.settings.dump() +
                                              "); use the same flags or another -o");
  if (previous.devices.size() != now.devices.size())
    throw ir::Error(ir::ErrorKind::usage, "--resume: the profile was made on other devices; use the same --devices or another -o");
  for (size_t d = 0; d < now.devices.size(); ++d) {
    if (previous.devices[d].spec != now.devices[d].spec || previous.devices[d].name != now.devices[d].name)
      throw ir::Error(ir::ErrorKind::usage, "--resume: the profile's device " + std::to_string(d) + " is '" + previous.devices[d].spec + "', not '" +
                                                now.devices[d].spec + "'; use the same --devices or another -o");
    if (previous.devices[d].timer != now.devices[d].timer)
      throw ir::Error(ir::ErrorKind::usage, "--resume: the profile timed " + now.devices[d].name + " with " + previous.devices[d].timer + ", this run would use " +
                                                now.devices[d].timer + "; use the same timer or another -o");
  }
}

}  // namespace

nlohmann::json machine_info() {
  std::string cpu_model = "unknown";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu_model = line.substr(line.find(':') + 2);
      break;
    }
  nlohmann::json libraries = nlohmann::json::object();
  for (const auto& [library, version] : runtime::library_versions()) libraries[library] = version;
  return {{"cpu_model", cpu_model}, {"logical_cores", std::thread::hardware_concurrency()}, {"libraries", libraries}};
}

std::string machine_summary(const nlohmann::json& machine) {
  // Descriptive only: a field of another type (a hand-edited file) reads as unknown.
  if (!machine.is_object() || !machine.contains("cpu_model") || !machine.at("cpu_model").is_string()) return "unknown machine";
  const nlohmann::json cores = machine.value("logical_cores", nlohmann::json());
  return machine.at("cpu_model").get<std::string>() + ", " + (cores.is_number_integer() ? std::to_string(cores.get<int64_t>()) : std::string("?")) +
         " logical cores";
}

Profile run_profile(const ir::Graph& model, const std::string& model_path, const std::string& model_sha256,
                    const std::vector<runtime::DeviceSpec>& specs, const std::vector<runtime::Device*>& devices, const ProfileRequest& request) {
  const auto started = Clock::now();
  Profile profile;
  profile.model_path = model_path;
  profile.model_sha256 = model_sha256;
  profile.machine = machine_info();
  const MeasureOptions& m = request.measure;
  profile.settings = {{"warmup", m.warmup},           {"min_reps", m.min_reps},           {"max_reps", m.max_reps},
                      {"min_time_ms", m.min_time_ms}, {"max_time_ms", m.max_time_ms},     {"target_spread", m.target_spread},
                      {"caches", request.cold ? "cold" : "warm"},                         {"fusion", "off (each node its own kernel)"}};
  // One CUPTI trace for the GPUs; without it they are timed with CUDA events, and say why.
  std::unique_ptr<GpuTrace> trace;
  std::string no_trace = "--no-cupti";
  const bool any_gpu = std::any_of(devices.begin(), devices.end(), [](runtime::Device* d) { return d->kind() == runtime::DeviceKind::cuda; });
  if (any_gpu && request.cupti) trace = start_gpu_trace(no_trace);
  for (size_t d = 0; d < devices.size(); ++d) {
    DeviceInfo info{devices[d]->name(), specs[d].text, devices[d]->description(), devices[d]->make_timer()->method(), "", std::nullopt};
    if (devices[d]->kind() == runtime::DeviceKind::cuda) {
      if (trace) {
        info.timer = "cupti";
        info.cupti = CuptiInfo{};
      } else {
        info.timer_note = "CUPTI not used: " + no_trace;
      }
    }
    profile.devices.push_back(std::move(info));
  }
  if (request.resume != nullptr) check_resumable(*request.resume, profile);
  MeasureOptions options = request.measure;
  options.stop = request.stop;

  std::vector<std::optional<int64_t>> batches;
  for (int64_t b : request.batches) batches.emplace_back(b);
  if (batches.empty()) batches.emplace_back(request.bindings.batch);

  // Every batch resolves its own copy of the graph (the weights are shared, not copied).
  std::vector<ir::Graph> graphs;
  int total = 0;
  for (const auto& batch : batches) {
    ir::Graph g = model;
    ir::ShapeBindings bindings = request.bindings;
    bindings.batch = batch;
    ir::resolve_shapes(g, bindings, model_path);
    ir::compute_costs(g);
    for (const ir::Node& node : g.nodes) total += ir::is_constant_node(g, node) ? 0 : static_cast<int>(devices.size());
    graphs.push_back(std::move(g));
  }

  // A resumed profile's time counts too: the overhead is the whole profile's.
  double timed_us = request.resume != nullptr ? request.resume->timed_s * 1e6 : 0.0;
  const double earlier_wall_s = request.resume != nullptr ? request.resume->wall_s : 0.0;
  int done = 0, measured = 0;
  std::mt19937 rng(0);
  auto stopped = [&] { return request.stop != nullptr && request.stop->load(); };
  auto report = [&](const std::string& device, const std::string& node) {
    if (!request.on_progress) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    request.on_progress({done, total, device, node, measured > 0 ? elapsed / measured * (total - done) : 0.0});
  };

  auto finish_times = [&] {
    profile.wall_s = earlier_wall_s + std::chrono::duration<double>(Clock::now() - started).count();
    profile.timed_s = timed_us / 1e6;
  };
  auto checkpoint = [&] {
    if (!request.on_checkpoint) return;
    finish_times();
    request.on_checkpoint(profile);
  };

  std::map<std::pair<std::string, std::string>, std::vector<double>> cuts;  // per device pair, per batch
  for (size_t b = 0; b < batches.size() && !stopped(); ++b) {
    const ir::Graph& g = graphs[b];
    BatchProfile batch;
    batch.batch = batches[b];
    for (ir::TensorId t : g.inputs) batch.input_shapes[g.tensor(t).name] = g.tensor(t).shape;
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      const ir::Node& node = g.nodes[n];
      if (ir::is_constant_node(g, node)) continue;
      NodeRecord record{node.name, node.op_type, {}, g.costs[n].flops, g.costs[n].bytes_read, g.costs[n].bytes_written, g.costs[n].param_bytes, {}};
      for (ir::TensorId t : node.inputs) record.input_shapes.push_back(t == ir::no_tensor ? std::vector<int64_t>{} : g.tensor(t).shape);
      batch.nodes.push_back(std::move(record));
    }
    profile.batches.push_back(batch);
    BatchProfile& out = profile.batches.back();

    for (size_t d = 0; d < devices.size() && !stopped(); ++d) {
      runtime::Device& device = *devices[d];
      GpuTrace* device_trace = device.kind() == runtime::DeviceKind::cuda ? trace.get() : nullptr;
      // A graph (a node alone, or the whole model) on this device: its inputs placed there
      // first, its repetitions timed, their time counted towards the overhead figure.
      auto time_graph = [&](const ir::Graph& graph, const runtime::ExecutorOptions& executor_options) {
        runtime::Executor executor(graph, device, executor_options);
        const auto inputs = device_inputs(graph, device, rng);
        TimedRuns runs = time_runs(device, executor, inputs, options, request.cold, device_trace);
        timed_us += runs.elapsed_us;
        return runs;
      };
      const runtime::ExecutorOptions unfused{.fuse = false, .channels_last = false};
      std::vector<size_t> timed_nodes;  // measured here, for the tracing-overhead sample
      size_t record = 0;
      for (size_t n = 0; n < g.nodes.size(); ++n) {
        const ir::Node& node = g.nodes[n];
        if (ir::is_constant_node(g, node)) continue;
        if (stopped()) break;
        report(device.name(), node.name);
        NodeResult& result = out.nodes[record++].devices[device.name()];
        if (const NodeResult* kept = resumed_node(request.resume, out, node.name, device.name())) {
          result = *kept;
        } else if (!shapes_resolved(g, node)) {
          result.unsupported = "its shapes are not resolved (an op before it is not supported)";
        } else if (!device.supports(g, node)) {
          result.unsupported = "no " + device.name() + " kernel for this op or its dtypes";
        } else {
          // A node the kernel refuses (an attribute value, a dtype without random inputs) is
          // recorded with the reason; the rest of the model is still profiled.
          try {
            TimedRuns runs = time_graph(isolate_node(g, static_cast<ir::NodeId>(n)), unfused);
            result.stats = runs.stats;
            result.gpu = std::move(runs.gpu);
            timed_nodes.push_back(n);
            ++measured;
          } catch (const ir::Error& e) {
            if (e.kind() != ir::ErrorKind::unsupported && e.kind() != ir::ErrorKind::shape) throw;
            result.unsupported = e.what();
          }
        }
        ++done;
      }
      if (stopped()) break;
      if (device_trace != nullptr && b == 0) profile.devices[d].cupti->overhead = sample_tracing_overhead(g, device, timed_nodes, *device_trace, rng);
      // The whole model, unfused (as the nodes were timed) and as `partplan run` runs it.
      WholeModel whole;
      for (const NodeRecord& r : out.nodes) {
        auto it = r.devices.find(device.name());
        if (it != r.devices.end() && it->second.stats) whole.sum_of_node_medians_us += it->second.stats->median_us;
      }
      if (const WholeModel* kept = resumed_whole(request.resume, out, device.name())) {
        out.whole_model[device.name()] = *kept;
        checkpoint();
        continue;
      }
      // A device that lacks a node has no whole-model time; one whose fused run alone is
      // refused keeps the unfused time.
      try {
        TimedRuns runs = time_graph(g, unfused);
        whole.unfused = runs.stats;
        whole.unfused_gpu = std::move(runs.gpu);
      } catch (const ir::Error& e) {
        if (e.kind() != ir::ErrorKind::unsupported && e.kind() != ir::ErrorKind::shape) throw;
        continue;
      }
      try {
        runtime::Executor executor(g, device, {});
        const auto inputs = device_inputs(g, device, rng);
        TimedRuns runs = time_runs(device, executor, inputs, options, request.cold, device_trace);
        timed_us += runs.elapsed_us;
        whole.fused = runs.stats;
        whole.fused_gpu = std::move(runs.gpu);
        {
          // The replay: its requests' latencies, a few per repetition (each replay call starts
          // its driving thread; the requests after the first find it running).
          std::vector<runtime::Tensor> host_inputs;
          for (ir::TensorId t : g.inputs) {
            host_inputs.push_back(runtime::host_tensor(g.tensor(t).dtype, g.tensor(t).shape));
            runtime::fill_random(host_inputs.back(), rng);
          }
          constexpr int requests_per_rep = 4;
          MeasureOptions replay_options = options;
          replay_options.warmup = 1;
          // A median of medians: a few repetitions suffice (a large model's replays are long).
          replay_options.min_reps = std::min(options.min_reps, 5);
          replay_options.max_reps = std::min(options.max_reps, 50);
          const auto began = Clock::now();
          whole.replayed = measure(
              [&] {
                const runtime::ReplayResult r = executor.replay(host_inputs, {{}, requests_per_rep, 1, {}, false});
                std::vector<double> latencies;
                for (size_t q = 1; q < r.requests.size(); ++q) latencies.push_back(r.requests[q].latency_us());
                return runtime::summarize(latencies).p50;
              },
              replay_options);
          timed_us += std::chrono::duration<double, std::micro>(Clock::now() - began).count();
        }
        if (device.kind() == runtime::DeviceKind::cpu) {
          // Each node inside those runs, as many times as they repeated (5 to 30).
          const std::vector<double> medians = node_medians_in_runs(device, executor, inputs, std::clamp(runs.stats.reps, 5, 30));
          for (size_t n = 0; n < g.nodes.size(); ++n)
            if (!ir::is_constant_node(g, g.nodes[n])) whole.fused_node_us[g.nodes[n].name] = medians[n];
        }
      } catch (const ir::Error& e) {
        if (e.kind() != ir::ErrorKind::unsupported) throw;
      }
      out.whole_model[device.name()] = whole;
      checkpoint();
    }
    // The devices together, once each has its time alone (kept from a resumed profile).
    if (!stopped()) {
      const BatchProfile* resumed = nullptr;
      if (request.resume != nullptr)
        for (const BatchProfile& kept : request.resume->batches)
          if (kept.batch == out.batch && !kept.co_run.empty()) resumed = &kept;
      out.co_run = resumed != nullptr ? resumed->co_run : measure_co_run(g, devices, out.whole_model, timed_us);
      if (request.links) measure_cut_edges(g, devices, cuts, out.alternating, timed_us);
    }
  }
  // Links are kept from a resumed profile (same devices, checked above) when it has them.
  if (request.links && !stopped()) {
    if (request.resume != nullptr && !request.resume->links.empty()) profile.links = request.resume->links;
    else {
      profile.links = measure_links(devices, timed_us);
      for (LinkProfile& cut : cut_links(cuts)) profile.links.push_back(std::move(cut));
    }
  }
  for (DeviceInfo& info : profile.devices)
    if (info.cupti) {
      info.cupti->dropped_records = trace->dropped_records();
      std::vector<double> ratios;
      for (const TracingOverhead& o : info.cupti->overhead)
        if (o.without_us > 0) ratios.push_back(o.with_us / o.without_us);
      if (!ratios.empty()) {
        std::nth_element(ratios.begin(), ratios.begin() + static_cast<std::ptrdiff_t>(ratios.size() / 2), ratios.end());
        info.cupti->overhead_ratio = ratios[ratios.size() / 2];
      }
    }
  profile.complete = !stopped();
  finish_times();
  return profile;
}

}  // namespace profiler
