#include "profiler/timed_runs.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

namespace profiler {

namespace {

using Clock = std::chrono::steady_clock;

// A repetition of a CPU run shorter than this times several runs (see time_runs).
constexpr double batched_rep_us = 20.0;

// Region ids are unique in the process: a record never lands in another region's result.
std::atomic<uint64_t> next_region{1};

std::vector<KernelTime> per_repetition(const std::map<std::string, TracedActivity::Entry>& totals, int reps) {
  std::vector<KernelTime> kernels;
  if (reps == 0) return kernels;
  for (const auto& [name, entry] : totals) kernels.push_back({name, static_cast<double>(entry.calls) / reps, entry.total_us / reps});
  std::stable_sort(kernels.begin(), kernels.end(), [](const KernelTime& a, const KernelTime& b) { return a.us > b.us; });
  return kernels;
}

TimedRuns traced_runs(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs, const MeasureOptions& options,
                      bool cold, GpuTrace& trace) {
  TimedRuns result;
  device.execute([&] {
    auto events = device.make_timer();
    std::vector<double> launch, span;
    std::vector<uint64_t> regions;  // one per kept repetition, collected together at the end
    int call = 0;
    trace.discard();  // what the executor's preparation issued
    // The repetitions run under the events' span, which decides when the node has had enough
    // (it bounds the kernels' time from above); the figure kept is the kernels' own time, read
    // from one flush after the last repetition. Flushing per repetition cost 0.3-0.5 ms each and
    // slowed the launches after it, 16-27x a small node's time (bench/cupti_overhead, H100).
    measure_samples(
        [&] {
          if (cold) device.flush_caches();
          const uint64_t region = next_region++;
          events->start();
          double launch_us = 0;
          std::vector<runtime::Tensor> outputs;  // released after the stop, as untraced runs do
          {
            const TraceRegion traced(trace, region);
            const auto issued = Clock::now();
            outputs = executor.run(inputs);
            launch_us = std::chrono::duration<double, std::micro>(Clock::now() - issued).count();
          }
          const double span_us = events->stop_us();  // waits for the GPU
          if (call++ >= options.warmup) {  // the statistics keep no warm-up either
            launch.push_back(launch_us);
            span.push_back(span_us);
            regions.push_back(region);
          }
          return Sample{span_us, span_us};
        },
        options);
    std::vector<double> device_us;
    std::map<std::string, TracedActivity::Entry> kernels;
    for (const TracedActivity& activity : trace.collect(regions)) {
      device_us.push_back(activity.device_us());
      for (const auto& [name, entry] : activity.by_name) {
        kernels[name].calls += entry.calls;
        kernels[name].total_us += entry.total_us;
      }
    }
    result.stats = summarize_samples(std::move(device_us));
    // Converged as measure_samples judges it, on the figure kept: enough repetitions within
    // the spread target (the span only decided when to stop).
    result.stats.converged = result.stats.reps >= options.min_reps && result.stats.spread <= options.target_spread;
    GpuDetail gpu;
    gpu.launch = summarize_samples(launch);
    gpu.span = summarize_samples(span);
    gpu.kernels = per_repetition(kernels, static_cast<int>(span.size()));
    result.elapsed_us = gpu.span.total_us;
    result.gpu = std::move(gpu);
  });
  return result;
}

}  // namespace

TimedRuns time_runs(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs, const MeasureOptions& options,
                    bool cold, GpuTrace* trace) {
  if (trace != nullptr && device.kind() == runtime::DeviceKind::cuda) return traced_runs(device, executor, inputs, options, cold, *trace);
  TimedRuns result;
  int runs = 1;
  device.execute([&] {
    auto timer = device.make_timer();
    auto timed = [&](int count) {
      timer->start();
      for (int k = 0; k < count; ++k) executor.run(inputs);
      return timer->stop_us();
    };
    // A node of a few microseconds is as short as the clock's and the dispatch's jitter: one
    // repetition then times enough runs back to back for `batched_rep_us`, and its figure is
    // per run. Cold runs stay single (a flush between runs is the point of them).
    if (!cold) {
      timed(1);
      const double once = timed(1);
      if (once < batched_rep_us) runs = static_cast<int>(std::min(1000.0, std::ceil(batched_rep_us / std::max(once, 0.05))));
    }
    result.stats = measure_samples(
        [&] {
          if (cold) device.flush_caches();
          const double us = timed(runs);
          return Sample{us / runs, us};
        },
        options);
  });
  result.stats.runs_per_rep = runs;
  result.elapsed_us = result.stats.total_us * runs;
  return result;
}

std::vector<double> node_medians_in_runs(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs, int reps) {
  std::vector<std::vector<double>> per_node;  // [node][rep]
  device.execute([&] {
    std::vector<double> node_us;
    executor.run(inputs);
    for (int r = 0; r < reps; ++r) {
      executor.run(inputs, &node_us);
      per_node.resize(node_us.size());
      for (size_t n = 0; n < node_us.size(); ++n) per_node[n].push_back(node_us[n]);
    }
  });
  std::vector<double> medians;
  for (std::vector<double>& times : per_node) {
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
    medians.push_back(times[times.size() / 2]);
  }
  return medians;
}

TracingOverhead tracing_overhead(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs,
                                 const std::string& node, GpuTrace& trace) {
  MeasureOptions options;
  options.min_reps = 10;
  options.min_time_ms = 10;
  options.max_time_ms = 100;
  options.max_reps = 250;
  TracingOverhead overhead{node, 0, 0};
  device.execute([&] {
    auto events = device.make_timer();
    auto median_us = [&](bool traced) {
      std::vector<uint64_t> regions;
      const double median = measure(
                                [&] {
                                  const uint64_t region = next_region++;
                                  events->start();
                                  {
                                    std::optional<TraceRegion> in_region;
                                    if (traced) in_region.emplace(trace, region);
                                    const auto outputs = executor.run(inputs);
                                  }
                                  if (traced) regions.push_back(region);
                                  return events->stop_us();
                                },
                                options)
                                .median_us;
      if (traced) trace.collect(regions);  // after the timing, once, as in a profile
      return median;
    };
    // Alternating rounds, so drift (clocks, other tenants) falls on both sides alike. CUPTI
    // stays loaded with its callbacks registered while paused: the figure is a lower bound.
    std::vector<double> without, with;
    for (int round = 0; round < 2; ++round) {
      {
        const TracingPaused paused(trace);
        without.push_back(median_us(false));
      }
      with.push_back(median_us(true));
    }
    overhead.without_us = (without[0] + without[1]) / 2;
    overhead.with_us = (with[0] + with[1]) / 2;
  });
  return overhead;
}

}  // namespace profiler
