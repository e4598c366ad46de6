#include "profiler/measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace profiler {

namespace {
double percentile(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}
}  // namespace

Stats summarize_samples(std::vector<double> samples_us) {
  Stats s;
  if (samples_us.empty()) return s;
  std::sort(samples_us.begin(), samples_us.end());
  s.reps = static_cast<int>(samples_us.size());
  s.median_us = percentile(samples_us, 0.5);
  s.p10_us = percentile(samples_us, 0.1);
  s.p90_us = percentile(samples_us, 0.9);
  s.min_us = samples_us.front();
  s.total_us = std::accumulate(samples_us.begin(), samples_us.end(), 0.0);
  s.mean_us = s.total_us / static_cast<double>(samples_us.size());
  s.spread = s.median_us > 0 ? (s.p90_us - s.p10_us) / s.median_us : 0.0;
  return s;
}

Stats measure(const std::function<double()>& timed_run, const MeasureOptions& options) {
  for (int i = 0; i < options.warmup; ++i) timed_run();
  std::vector<double> samples;
  double total_us = 0;
  Stats stats;
  // The budget also ends on the wall clock: what a repetition does outside its timing (a cache
  // flush) must not stretch a node's budget without bound.
  const auto started = std::chrono::steady_clock::now();
  auto wall_ms = [&] { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(); };
  while (true) {
    const double t = timed_run();
    samples.push_back(t);
    total_us += t;
    const int reps = static_cast<int>(samples.size());
    if (reps >= options.max_reps || total_us >= options.max_time_ms * 1000.0) break;
    if (reps >= options.min_reps && wall_ms() >= options.max_time_ms) break;
    if (reps < options.min_reps || total_us < options.min_time_ms * 1000.0) continue;
    // Checking the spread sorts the samples: every few repetitions is enough.
    if (reps % 5 == 0 && summarize_samples(samples).spread <= options.target_spread) {
      stats.converged = true;
      break;
    }
  }
  const bool converged = stats.converged;
  stats = summarize_samples(std::move(samples));
  stats.converged = converged || stats.spread <= options.target_spread;
  return stats;
}

}  // namespace profiler
