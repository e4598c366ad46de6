// `partplan profile MODEL`: every node on every device, the whole model, the links; writes
// partplan.profile/1 (docs/formats.md). A progress line on a terminal; Ctrl-C writes what was
// measured (complete: false) and `--resume` continues from it.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/flag_ranges.h"
#include "cli/json_file.h"
#include "cli/model_flags.h"
#include "cli/shape_flags.h"
#include "ir/output_file.h"
#include "ir/error.h"
#include "onnx_loader/onnx_loader.h"
#include "profiler/profiler.h"
#include "runtime/device_spec.h"

namespace cli {

namespace {

struct ProfileOptions {
  ProcessingFlags processing;  // --pre, --post
  std::string model;
  ShapeFlags shape;
  std::string devices = "cpu";
  std::string output;
  profiler::MeasureOptions measure;
  bool cold = false;
  bool resume = false;
  bool no_links = false;
  bool no_cupti = false;
  bool no_pooled = false;
  bool quiet = false;
  bool allow_oversubscribe = false;
};

std::atomic<bool> interrupted{false};
using SignalHandler = void (*)(int);
std::atomic<SignalHandler> handler_before_profile{SIG_DFL};
// The first Ctrl-C asks the profile to stop at the next repetition and write what it has; the
// handler then gives SIGINT back to the one before (main's: remove temporary files, then end),
// so a second Ctrl-C ends the process at once.
extern "C" void on_interrupt(int) {
  interrupted.store(true);
  std::signal(SIGINT, handler_before_profile.load());
}

void print_summary(const profiler::Profile& p) {
  for (const profiler::BatchProfile& b : p.batches) {
    fmt::print("batch {}\n", b.batch ? std::to_string(*b.batch) : std::string("(as bound)"));
    for (const profiler::DeviceInfo& d : p.devices) {
      int measured = 0, unsupported = 0, converged = 0;
      for (const profiler::NodeRecord& n : b.nodes) {
        auto it = n.devices.find(d.name);
        if (it == n.devices.end()) continue;
        if (it->second.stats) {
          ++measured;
          converged += it->second.stats->converged ? 1 : 0;
        } else {
          ++unsupported;
        }
      }
      fmt::print("  {:<7} {} nodes measured ({} within the spread target), {} unsupported", d.name, measured, converged, unsupported);
      auto whole = b.whole_model.find(d.name);
      if (whole != b.whole_model.end())
        fmt::print("; whole model {:.3f} ms unfused ({:+.1f}% vs the sum of nodes {:.3f} ms), {:.3f} ms fused", whole->second.unfused.median_us / 1000,
                   100 * (whole->second.unfused.median_us / whole->second.sum_of_node_medians_us - 1), whole->second.sum_of_node_medians_us / 1000,
                   whole->second.fused ? whole->second.fused->median_us / 1000 : 0.0);
      fmt::print("\n");
    }
  }
  for (const profiler::DeviceInfo& d : p.devices) {
    if (!d.timer_note.empty()) fmt::print("timer    {}: cuda events ({})\n", d.name, d.timer_note);
    if (d.cupti)
      fmt::print("timer    {}: CUPTI kernel time; tracing costs {:.2f}x on {} sampled nodes; {} records dropped\n", d.name, d.cupti->overhead_ratio,
                 d.cupti->overhead.size(), d.cupti->dropped_records);
  }
  for (const profiler::LinkProfile& l : p.links)
    fmt::print("link     {} -> {} ({}{}): latency {:.1f} us{}\n", l.from, l.to, l.kind, l.host_memory.empty() ? "" : ", " + l.host_memory, l.latency_us,
               l.bandwidth_gb_s ? fmt::format(", {:.1f} GB/s", *l.bandwidth_gb_s) : std::string());
  fmt::print("overhead {:.1f} s wall for {:.1f} s of timed runs: {:.2f}x\n", p.wall_s, p.timed_s, p.timed_s > 0 ? p.wall_s / p.timed_s : 0.0);
}

int profile_model(const ProfileOptions& options) {
  auto specs = runtime::parse_device_list(options.devices, "--devices");
  runtime::check_threads(specs, "--devices", options.allow_oversubscribe);
  if (options.measure.min_reps < 1 || options.measure.max_reps < options.measure.min_reps)
    throw ir::Error(ir::ErrorKind::usage, "--max-reps must be >= --min-reps >= 1");
  if (!(options.measure.target_spread > 0)) throw ir::Error(ir::ErrorKind::usage, "--target-spread must be positive");
  if (!(options.measure.max_time_ms >= options.measure.min_time_ms) || options.measure.min_time_ms < 0)
    throw ir::Error(ir::ErrorKind::usage, "--max-time-ms must be >= --min-time-ms >= 0");
  const std::string output = options.output.empty() ? output_beside(options.model, ".profile.json") : options.output;

  // --resume reads the output it then replaces: that one file is the output, never an input.
  ir::OutputGuard files;
  options.processing.guard_inputs(files, options.model);
  files.output(output, "--output");

  onnx_loader::LoadedModel model = options.processing.load(options.model);
  std::optional<profiler::Profile> previous;
  if (options.resume && std::filesystem::exists(output)) {
    const nlohmann::json doc = read_json_file(output, "--resume");
    previous = profiler::profile_from_json(doc, output);
    if (previous->model_sha256 != model.sha256)
      throw ir::Error(ir::ErrorKind::usage, output + ": --resume: the profile is of another model (sha256 differs)");
  }

  auto devices = runtime::create_devices(specs);
  // Two CPU devices are one way to use their cores; one device with all their threads is the
  // other, and `plan` weighs both (core groups are a choice): profiled too, unless --no-pooled.
  if (!options.no_pooled)
    if (std::unique_ptr<runtime::Device> pooled = runtime::create_pooled_cpu_device(specs)) {
      int threads = 0;
      for (const runtime::DeviceSpec& s : specs) threads += s.kind == runtime::DeviceKind::cpu ? s.threads : 0;
      specs.push_back({runtime::DeviceKind::cpu, threads, 0, "cpu:threads=" + std::to_string(threads)});
      devices.push_back(std::move(pooled));
    }
  std::vector<runtime::Device*> device_ptrs;
  for (auto& d : devices) device_ptrs.push_back(d.get());

  profiler::ProfileRequest request;
  request.bindings = options.shape.bindings();
  request.batches = options.shape.batches;
  request.measure = options.measure;
  request.cold = options.cold;
  request.links = !options.no_links;
  request.cupti = !options.no_cupti;
  request.resume = previous ? &*previous : nullptr;
  request.stop = &interrupted;
  const bool show_progress = !options.quiet && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
  if (show_progress)
    request.on_progress = [](const profiler::Progress& p) {
      fmt::print(stderr, "\r\033[K[{:>4}/{}] {:<6} {:.40}  ETA {:.0f}s", p.done + 1, p.total, p.device, p.node, p.eta_s);
      std::fflush(stderr);
    };

  // Saved as it goes: a crash or a kill leaves the devices done so far for --resume.
  request.on_checkpoint = [&output](const profiler::Profile& partial) { ir::write_output_file(output, profiler::to_json(partial).dump(1) + "\n"); };
  interrupted.store(false);
  auto previous_handler = std::signal(SIGINT, on_interrupt);
  handler_before_profile.store(previous_handler == SIG_ERR ? SIG_DFL : previous_handler);
  profiler::Profile profile;
  try {
    profile = profiler::run_profile(model.graph, model.path, model.sha256, specs, device_ptrs, request);
  } catch (...) {
    std::signal(SIGINT, previous_handler);
    throw;
  }
  std::signal(SIGINT, previous_handler);
  if (show_progress) fmt::print(stderr, "\r\033[K");
  ir::write_output_file(output, profiler::to_json(profile).dump(1) + "\n");
  if (!profile.complete)
    throw ir::Error(ir::ErrorKind::interrupted, "interrupted: what was measured is in " + output + "; run again with --resume to continue");
  if (!options.quiet) {
    fmt::print("model    {}\n", model.path);
    print_summary(profile);
    fmt::print("profile  {}\n", output);
  }
  return 0;
}

}  // namespace

Action add_profile_command(CLI::App& app) {
  auto options = std::make_shared<ProfileOptions>();
  CLI::App* command = app.add_subcommand("profile", "Time every node on every device, the whole model, and the links between devices");
  command->add_option("model", options->model, "ONNX model file")->required();
  options->processing.add_to(*command);
  options->shape.add_to(*command, true);
  command->add_option("--devices", options->devices, "Devices, comma-separated: cpu:threads=N, cuda[:N] (default cpu)");
  command->add_flag("--allow-oversubscribe", options->allow_oversubscribe, "Allow a CPU device more threads than the cores available");
  command->add_option("-o,--output", options->output, "Profile file (default MODEL.profile.json beside the model)");
  command->add_option("--min-time-ms", options->measure.min_time_ms, "Time each node at least this long (default 50)")->check(number_in(0, 3.6e6));
  command->add_option("--max-time-ms", options->measure.max_time_ms, "Stop timing a node after this long (default 1000)")->check(number_in(0, 3.6e6));
  command->add_option("--min-reps", options->measure.min_reps, "At least this many repetitions (default 10)")->check(integer_in(1, 10'000'000));
  command->add_option("--max-reps", options->measure.max_reps, "At most this many repetitions (default 1000)")->check(integer_in(1, 10'000'000));
  command->add_option("--target-spread", options->measure.target_spread, "Stop once (p90-p10)/p50 is under this (default 0.02)")->check(number_in(0, 10, true));
  command->add_flag("--cold", options->cold, "Flush the caches before every repetition (default: warm)");
  command->add_flag("--resume", options->resume, "Keep what the output file already holds and measure the rest");
  command->add_flag("--no-links", options->no_links, "Skip the link measurements");
  command->add_flag("--no-pooled", options->no_pooled,
                    "With several CPU devices, do not also profile one device with all their threads on the same cores (cpu0-1)");
  command->add_flag("--no-cupti", options->no_cupti, "Time GPUs with CUDA events instead of tracing their kernels with CUPTI");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success (no progress line either)");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    return profile_model(*options);
  };
}

}  // namespace cli
