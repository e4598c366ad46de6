// `partplan run MODEL --device cpu[:threads=N]`: run the model end to end on one device,
// print latency percentiles and throughput, optionally save outputs and a run file.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/commands.h"
#include "cli/flag_ranges.h"
#include "cli/model_flags.h"
#include "cli/run_inputs.h"
#include "cli/run_options.h"
#include "cli/shape_flags.h"
#include "ir/output_file.h"
#include "ir/cost.h"
#include "ir/error.h"
#include "onnx_loader/onnx_loader.h"
#include "onnx_loader/tensor_file.h"
#include "runtime/device_spec.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"
#include "runtime/latency_stats.h"
#include "runtime/library_versions.h"

namespace cli {

namespace {

int run_model(const RunOptions& options) {
  ir::ShapeBindings bindings = options.shape.bindings();
  ir::OutputGuard files;
  guard_run_files(files, options);
  const auto specs = runtime::parse_device_list(options.device, "--device");
  runtime::check_threads(specs, "--device", options.allow_oversubscribe);
  if (specs.size() != 1) throw ir::Error(ir::ErrorKind::usage, "--device: run takes one device (plans across devices come with `partplan run --plan`)");

  onnx_loader::LoadedModel model = options.processing.load(options.model);
  ir::Graph& graph = model.graph;

  // Inputs from files bind their shapes, unless --shape already did.
  const std::vector<onnx_loader::NamedTensor> given = read_input_files(options.inputs_dir, graph, bindings);
  const ir::ShapeReport shapes = ir::resolve_shapes(graph, bindings, model.path);
  if (!shapes.unsupported.empty()) {
    const ir::Node& first = graph.node(shapes.unsupported.front());
    throw ir::Error(ir::ErrorKind::unsupported, model.path + ": node '" + first.name + "' (" + first.op_type + ") is not supported" +
                                                    (shapes.unsupported.size() > 1 ? fmt::format(" (and {} more; see partplan inspect)", shapes.unsupported.size() - 1) : ""));
  }
  ir::compute_costs(graph);

  // A GPU runs what it has kernels for; the rest falls back to a CPU device, as ONNX Runtime's
  // CUDA provider does, and the run says which nodes did.
  std::vector<runtime::DeviceSpec> all_specs = specs;
  if (specs[0].kind == runtime::DeviceKind::cuda) all_specs.push_back(runtime::DeviceSpec{runtime::DeviceKind::cpu, options.fallback_threads, 0, "cpu"});
  runtime::check_threads(all_specs, "--fallback-threads", options.allow_oversubscribe);
  auto devices = runtime::create_devices(all_specs);
  runtime::Device& device = *devices.front();
  std::vector<int> placement(graph.nodes.size(), 0);
  std::vector<std::string> fallback_nodes;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (devices.size() == 1 || ir::is_constant_node(graph, graph.nodes[n]) || device.supports(graph, graph.nodes[n])) continue;
    placement[n] = 1;
    fallback_nodes.push_back(graph.nodes[n].name);
  }
  const bool single = fallback_nodes.empty();
  std::vector<runtime::Device*> used = {&device};
  if (!single) used.push_back(devices[1].get());
  // Weights the kernels copy into their own layouts are dropped as soon as they are copied.
  const runtime::ExecutorOptions executor_options{.fuse = !options.no_fuse,
                                                  .channels_last = !options.no_channels_last,
                                                  .weight_copied = [&graph](ir::TensorId t) { graph.tensors[static_cast<size_t>(t)].value.reset(); }};
  runtime::Executor executor = single ? runtime::Executor(graph, device, executor_options)
                                      : runtime::Executor(graph, used, placement, executor_options);

  std::mt19937 rng(options.seed);
  std::vector<runtime::Tensor> inputs = host_inputs(graph, given, rng);
  if (single)
    for (runtime::Tensor& t : inputs) {
      // The device's own memory (counted in its peak), whatever kind of memory that is.
      runtime::Tensor on_device = device.allocate(t.dtype, t.shape);
      device.copy_from_host(t.data, on_device);
      t = std::move(on_device);
    }
  // Several devices: the executor copies host inputs to the devices that read them.

  std::vector<runtime::Tensor> outputs;
  std::vector<double> latencies_ms;
  std::vector<double> node_total_us(graph.nodes.size(), 0.0), node_time_us;
  auto timed_runs = [&] {
    for (int i = 0; i < options.warmup; ++i) outputs = executor.run(inputs);
    for (auto& d : devices) d->reset_peak_memory();
    for (int i = 0; i < options.iterations; ++i) {
      outputs.clear();
      const auto start = std::chrono::steady_clock::now();
      outputs = executor.run(inputs, &node_time_us);
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      for (size_t n = 0; n < node_total_us.size(); ++n) node_total_us[n] += node_time_us[n];
    }
  };
  // One device: the loop runs on the device's own worker (Executor::run then runs inline): the
  // latency is the model's, as onnxruntime's session.run on its caller, without a hand-off
  // between threads per run (tens of microseconds when the device's threads take every core).
  // Several: each node goes to its device's worker.
  if (single) device.execute(timed_runs);
  else timed_runs();
  const runtime::LatencySummary latency = runtime::summarize(latencies_ms);
  const runtime::MemoryStats memory = device.memory();

  const std::vector<int> output_devices = executor.output_devices();
  if (!options.save_outputs_dir.empty()) {
    std::error_code made;
    std::filesystem::create_directories(options.save_outputs_dir, made);
    if (made) throw ir::Error(ir::ErrorKind::file, options.save_outputs_dir + ": --save-outputs: cannot make the folder (" + made.message() + ")");
    for (size_t i = 0; i < outputs.size(); ++i) {
      const ir::Tensor& info = graph.tensor(graph.outputs[i]);
      runtime::Tensor out = outputs[i];
      const int holder = output_devices[i];
      if (holder >= 0 && !used[static_cast<size_t>(holder)]->host_accessible()) {
        out = runtime::host_tensor(outputs[i].dtype, outputs[i].shape);
        used[static_cast<size_t>(holder)]->copy_to_host(outputs[i], out.data);
      }
      onnx_loader::write_tensor_file((std::filesystem::path(options.save_outputs_dir) / ("output_" + std::to_string(i) + ".pb")).string(), info.name,
                                     out.dtype, out.shape, out.data, static_cast<size_t>(out.size_bytes()));
    }
  }
  if (!options.json_path.empty()) {
    nlohmann::json doc;
    doc["schema"] = "partplan.run/1";
    doc["model"] = {{"path", model.path}, {"sha256", model.sha256}};
    nlohmann::json bound = nlohmann::json::object();
    for (ir::TensorId t : graph.inputs) bound[graph.tensor(t).name] = graph.tensor(t).shape;
    doc["input_shapes"] = bound;
    doc["device"] = {{"name", device.name()}, {"description", device.description()}};
    if (devices.size() > 1)
      doc["fallback"] = {{"device", {{"name", devices[1]->name()}, {"description", devices[1]->description()}}},
                         {"nodes", fallback_nodes},
                         {"peak_memory_bytes", devices[1]->memory().peak_bytes}};
    nlohmann::json libraries = nlohmann::json::object();
    for (const auto& [library, version] : runtime::library_versions()) libraries[library] = version;
    doc["libraries"] = libraries;
    doc["iterations"] = options.iterations;
    doc["warmup"] = options.warmup;
    doc["inputs"] = options.inputs_dir.empty() ? nlohmann::json(fmt::format("random (seed {})", options.seed)) : nlohmann::json(options.inputs_dir);
    doc["latency_ms"] = {{"mean", latency.mean}, {"min", latency.min}, {"p50", latency.p50}, {"p90", latency.p90}, {"p99", latency.p99}, {"max", latency.max}};
    doc["throughput_per_s"] = 1000.0 / latency.mean;
    doc["peak_memory_bytes"] = memory.peak_bytes;
    doc["kernel_memory_bytes"] = executor.kernel_bytes();
    doc["peak_rss_bytes"] = peak_rss_bytes();
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      const ir::NodeId host = executor.fused_into()[n];
      const ir::Node& ran = executor.runs_as(n);
      nodes.push_back({{"name", graph.nodes[n].name}, {"op_type", graph.nodes[n].op_type}, {"mean_us", node_total_us[n] / options.iterations},
                       {"flops", graph.costs[n].flops},
                       {"fused_into", host == ir::no_node ? nlohmann::json(nullptr) : nlohmann::json(graph.node(host).name)},
                       {"runs_as", &ran == &graph.nodes[n] ? nlohmann::json(nullptr) : nlohmann::json(ran.op_type)}});
    }
    doc["nodes"] = nodes;
    ir::write_output_file(options.json_path, doc.dump(1) + "\n");
  }
  if (!options.quiet) {
    fmt::print("model    {}\n", model.path);
    for (ir::TensorId t : graph.inputs) fmt::print("input    {} {} {}\n", graph.tensor(t).name, ir::dtype_name(graph.tensor(t).dtype), shape_text(graph.tensor(t).shape));
    fmt::print("device   {}\n", device.description());
    if (!fallback_nodes.empty())
      fmt::print("fallback {} node(s) without a kernel on {} ran on {}: {}{}\n", fallback_nodes.size(), device.name(), devices[1]->description(),
                 fmt::join(fallback_nodes.begin(), fallback_nodes.begin() + std::min<size_t>(fallback_nodes.size(), 5), ", "),
                 fallback_nodes.size() > 5 ? ", ..." : "");
    fmt::print("inputs   {}\n", options.inputs_dir.empty() ? fmt::format("random (seed {})", options.seed) : options.inputs_dir);
    fmt::print("latency  mean {:.3f} ms  p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  (min {:.3f}, {} iterations after {} warm-up)\n", latency.mean, latency.p50,
               latency.p90, latency.p99, latency.min, options.iterations, options.warmup);
    fmt::print("throughput {:.1f} runs/s\n", 1000.0 / latency.mean);
    fmt::print("memory   peak {:.2f} MiB of activations and outputs, plus {:.2f} MiB held by kernels (weights in oneDNN's layouts, scratchpads)\n",
               static_cast<double>(memory.peak_bytes) / (1 << 20), static_cast<double>(executor.kernel_bytes()) / (1 << 20));
    fmt::print("process  peak RSS {:.1f} MiB (model file {:.1f} MiB)\n", static_cast<double>(peak_rss_bytes()) / (1 << 20),
               static_cast<double>(std::filesystem::file_size(model.path)) / (1 << 20));
  }
  return 0;
}

}  // namespace

void guard_run_files(ir::OutputGuard& guard, const RunOptions& options) {
  options.processing.guard_inputs(guard, options.model);
  guard.input(options.replay.plan, "--plan");
  guard.input_folder(options.inputs_dir, "--inputs");
  if (!options.json_path.empty()) guard.output(options.json_path, "--json");
  if (!options.save_outputs_dir.empty()) guard.output_folder(options.save_outputs_dir, "--save-outputs");
}

Action add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand("run", "Run a model end to end on one device and measure its latency");
  command->add_option("model", options->model, "ONNX model file")->required();
  options->processing.add_to(*command);
  options->shape.add_to(*command);
  command->add_option("--device", options->device,
                      "Device: cpu, cpu:threads=N (default cpu, 1 thread), cuda or cuda:N (nodes without a CUDA kernel run on a CPU device)");
  command->add_option("--fallback-threads", options->fallback_threads, "Threads of the CPU device that runs what the GPU cannot (default 1)")->check(integer_in(1, 4096));
  command->add_option("--iterations", options->iterations, "Timed runs (default 10)")->check(integer_in(1, 10'000'000));
  command->add_option("--warmup", options->warmup, "Untimed runs first (default 3)")->check(integer_in(0, 1'000'000));
  command->add_option("--inputs", options->inputs_dir, "Folder with input_K.pb TensorProto files (the ONNX test layout); default: random inputs");
  command->add_option("--seed", options->seed, "Seed for random inputs (default 0)");
  command->add_flag("--no-fuse", options->no_fuse, "Run every node as its own kernel (no Conv+activation fusion)");
  command->add_flag("--no-channels-last", options->no_channels_last,
                    "Keep every activation in ONNX's plain layout (convolutions convert around each call)");
  command->add_option("--save-outputs", options->save_outputs_dir, "Write the last run's outputs there as output_K.pb");
  command->add_option("--json", options->json_path, "Write the measurements as JSON (partplan.run/1)");
  command->add_flag("--allow-oversubscribe", options->allow_oversubscribe, "Allow a CPU device more threads than the cores available");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  ReplayFlags& replay = options->replay;
  command->add_option("--plan", replay.plan, "Replay this plan (partplan plan's output) on its devices, all at once, and set it beside its prediction");
  command->add_option("--requests", replay.requests, "With --plan: requests in a closed loop (default 50)")->check(integer_in(1, 1'000'000));
  command->add_option("--concurrency", replay.concurrency, "With --plan: requests in flight (default 1; twice a throughput plan's stage count)")->check(integer_in(1, 4096));
  command->add_option("--rate", replay.rate, "With --plan: open loop, Poisson arrivals per second (fixed seed) ...")->check(number_in(0, 1e6, true));
  command->add_option("--duration", replay.duration_s, "... for this many seconds")->check(number_in(0, 86400, true));
  command->add_option("--slo-ms", replay.slo_ms, "With --plan: count the requests within this latency (goodput)")->check(number_in(0, 3.6e6, true));
  command->add_flag("--compare", replay.compare, "With --plan: also run every single-device baseline, alternating with the plan, and print the ratios");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    if (!options->replay.plan.empty()) {
      // The plan names its devices and shapes: flags that would choose them are refused, not ignored.
      for (const char* flag : {"--device", "--batch", "--shape", "--iterations", "--fallback-threads", "--save-outputs"})
        if (command->count(flag) > 0)
          throw ir::Error(ir::ErrorKind::usage, std::string(flag) + " does not apply with --plan (the plan sets the devices and shapes; see docs/cli.md)");
      return run_plan(*options);
    }
    if (options->replay.requests || options->replay.concurrency || options->replay.rate > 0 || options->replay.duration_s > 0 || options->replay.slo_ms > 0 ||
        options->replay.compare)
      throw ir::Error(ir::ErrorKind::usage, "--requests, --concurrency, --rate, --duration, --slo-ms and --compare go with --plan");
    return run_model(*options);
  };
}

}  // namespace cli
