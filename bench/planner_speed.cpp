// How long planning takes on synthetic DAGs (issue 7: latency mode on 2,000 nodes in <= 1 s),
// with the time of each part beside the total and the peak RSS; and the throughput objective's
// pipeline DP on the same graphs (a device in up to two stages, then in one).
//
//   build/bench/planner_speed [--nodes 2000,20000] [--time-limit 10]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "planner/algorithms.h"
#include "planner/pipeline.h"
#include "planner/synthetic.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {2000, 20000};
  double time_limit_s = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--nodes") {
      sizes.clear();
      for (char* p = argv[i + 1]; *p != '\0';) {
        sizes.push_back(static_cast<int>(std::strtol(p, &p, 10)));
        if (*p == ',') ++p;
      }
    } else if (flag == "--time-limit") {
      time_limit_s = std::strtod(argv[i + 1], nullptr);
    }
  }
  std::printf("%7s %10s %10s %12s %14s %12s %10s %14s %12s %12s %12s %8s %12s\n", "nodes", "heft s", "simulate s", "plan s", "simulations", "vs heft", "timed out",
              "vs best base", "pipeline s", "1-stage s", "req/s gain", "stages", "peak RSS");  // pipeline: a device in up to two stages; 1-stage: in one
  for (int n : sizes) {
    const planner::Problem p = planner::synthetic_dag(n, 1);
    auto started = std::chrono::steady_clock::now();
    const planner::Assignment h = planner::heft(p, {});
    const double heft_s = seconds_since(started);
    started = std::chrono::steady_clock::now();
    const planner::Schedule hs = planner::simulate(p, h.device_of, h.priority);
    const double simulate_s = seconds_since(started);
    planner::SearchOptions options;
    options.time_limit_s = time_limit_s;
    started = std::chrono::steady_clock::now();
    const planner::SearchResult r = planner::plan_latency(p, options);
    const double plan_s = seconds_since(started);
    double best_baseline = planner::cannot_run;
    for (int d = 0; d < 3; ++d)
      if (auto a = planner::all_on(p, d)) best_baseline = std::min(best_baseline, planner::simulate(p, a->device_of, a->priority).makespan_us);
    const planner::Assignment f = planner::gpu_with_fallback(p, 2, 0);
    best_baseline = std::min(best_baseline, planner::simulate(p, f.device_of, f.priority).makespan_us);
    started = std::chrono::steady_clock::now();
    const auto twice = planner::plan_pipeline(p, planner::cannot_run, 2, time_limit_s);
    const double twice_s = seconds_since(started);
    started = std::chrono::steady_clock::now();
    const auto once = planner::plan_pipeline(p, planner::cannot_run, 1, time_limit_s);
    const double once_s = seconds_since(started);
    // Requests per second with two stages per device allowed, over one.
    const double gain = twice && once ? once->bottleneck_us / twice->bottleneck_us : 0.0;
    auto cut = [](const std::optional<planner::Pipeline>& pipe) { return pipe && pipe->timed_out ? "*" : " "; };
    std::printf("%7d %10.3f %10.4f %12.2f %14d %11.3fx %10s %13.3fx %11.2f%s %11.2f%s %11.3fx %8zu %9.0f MiB\n", n, heft_s, simulate_s, plan_s, r.iterations,
                r.schedule.makespan_us / hs.makespan_us, r.timed_out ? "yes" : "no", r.schedule.makespan_us / best_baseline, twice_s, cut(twice), once_s, cut(once), gain,
                twice ? twice->stages.size() : size_t{0}, peak_rss_mib());
  }
  std::printf("* stopped by the time limit: the best pipeline found\n");
  return 0;
}
