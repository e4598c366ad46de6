#pragma once
// `partplan run`'s options: one device (cmd_run.cpp), or a plan replayed on its devices
// (--plan, cmd_run_plan.cpp).
#include <cstdint>
#include <string>

#include "cli/model_flags.h"
#include "cli/shape_flags.h"

namespace cli {

// With --plan: the load the plan is replayed under and what it is set beside.
struct ReplayFlags {
  std::string plan;
  int requests = 0;     // closed loop; 0: 50
  int concurrency = 0;  // requests in flight; 0: 1, or twice a throughput plan's stage count
  double rate = 0;      // open loop: Poisson arrivals per second
  double duration_s = 0;
  double slo_ms = 0;    // goodput: requests within it
  bool compare = false;  // also run the baselines, alternating with the plan
};

struct RunOptions {
  ProcessingFlags processing;  // --pre, --post
  std::string model;
  ShapeFlags shape;
  std::string device = "cpu";
  int iterations = 10;
  int warmup = 3;
  std::string inputs_dir;
  std::string save_outputs_dir;
  std::string json_path;
  uint32_t seed = 0;
  bool no_fuse = false;
  bool no_channels_last = false;
  int fallback_threads = 1;
  bool quiet = false;
  bool allow_oversubscribe = false;  // a CPU device may have more threads than cores
  ReplayFlags replay;
};

// Runs options.model under the plan in options.replay.plan.
int run_plan(const RunOptions& options);

// The files a run reads (model, --pre/--post, --plan, --inputs) and writes (--json,
// --save-outputs), checked before it starts; the guard holds the output's lock.
void guard_run_files(ir::OutputGuard& guard, const RunOptions& options);

}  // namespace cli
