#include "profiler/measure.h"

#include <chrono>
#include <numeric>

#include "runtime/latency_stats.h"

namespace profiler {

Stats summarize_samples(std::vector<double> samples_us) {
  Stats s;
  if (samples_us.empty()) return s;
  const double total = std::accumulate(samples_us.begin(), samples_us.end(), 0.0);
  const runtime::LatencySummary summary = runtime::summarize(std::move(samples_us));
  s.reps = summary.count;
  s.median_us = summary.p50;
  s.p10_us = summary.p10;
  s.p90_us = summary.p90;
  s.min_us = summary.min;
  s.mean_us = summary.mean;
  s.total_us = total;
  s.spread = s.median_us > 0 ? (s.p90_us - s.p10_us) / s.median_us : 0.0;
  return s;
}

Stats measure(const std::function<double()>& timed_run, const MeasureOptions& options) {
  return measure_samples(
      [&] {
        const double t = timed_run();
        return Sample{t, t};
      },
      options);
}

Stats measure_samples(const std::function<Sample()>& timed_run, const MeasureOptions& options) {
  for (int i = 0; i < options.warmup; ++i) timed_run();
  std::vector<double> samples;
  double total_us = 0;  // elapsed time of the repetitions, for the budgets
  Stats stats;
  // The budget also ends on the wall clock: what a repetition does outside its timing (a cache
  // flush) must not stretch a node's budget without bound.
  const auto started = std::chrono::steady_clock::now();
  auto wall_ms = [&] { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(); };
  while (true) {
    const Sample sample = timed_run();
    samples.push_back(sample.value_us);
    total_us += sample.elapsed_us;
    const int reps = static_cast<int>(samples.size());
    if (reps >= options.max_reps || total_us >= options.max_time_ms * 1000.0) break;
    if (reps >= options.min_reps && wall_ms() >= options.max_time_ms) break;
    if (options.stop != nullptr && options.stop->load()) break;
    if (reps < options.min_reps || total_us < options.min_time_ms * 1000.0) continue;
    // Checking the spread sorts the samples: every few repetitions is enough.
    if (reps % 5 == 0 && summarize_samples(samples).spread <= options.target_spread) {
      stats.converged = true;
      break;
    }
  }
  const bool converged = stats.converged;
  stats = summarize_samples(std::move(samples));
  // One or two repetitions have no spread to speak of: only enough of them can converge.
  stats.converged = stats.reps >= options.min_reps && (converged || stats.spread <= options.target_spread);
  return stats;
}

}  // namespace profiler
