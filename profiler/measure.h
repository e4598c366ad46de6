#pragma once
// Repeating a timed run until its time is known well enough (DESIGN.md §4): warm-up runs,
// then repetitions until at least `min_reps` were taken over at least `min_time_ms` and the
// relative spread (p90 - p10) / p50 is under `target_spread`, or until `max_time_ms` (of timed
// time, or of wall time once `min_reps` were taken) or `max_reps` ends it. Pure: the run is a callback returning its time, so tests drive it with
// made-up times.
#include <atomic>
#include <functional>
#include <vector>

namespace profiler {

struct MeasureOptions {
  int warmup = 3;
  int min_reps = 10;
  int max_reps = 1000;
  double min_time_ms = 50;
  double max_time_ms = 1000;
  double target_spread = 0.02;
  const std::atomic<bool>* stop = nullptr;  // set (Ctrl-C): end the repetitions now
};

struct Stats {
  double median_us = 0, p10_us = 0, p90_us = 0, min_us = 0, mean_us = 0;
  int reps = 0;
  double spread = 0;        // (p90 - p10) / p50 of the kept repetitions
  double total_us = 0;      // time inside timed repetitions (warm-up excluded)
  bool converged = false;   // the spread target was met (else a time or repetition limit ended it)
  int runs_per_rep = 1;     // runs timed together in one repetition (figures are per run)
};

// `timed_run` performs one repetition and returns its time in microseconds.
Stats measure(const std::function<double()>& timed_run, const MeasureOptions& options);

// A repetition whose figure is not the time it took: a GPU node's kernel time (which may be 0
// for a node that launches nothing) counts in the statistics, `elapsed_us` (the repetition as
// the host waited for it) towards the time budgets, so such a node still ends on time.
struct Sample {
  double value_us = 0;
  double elapsed_us = 0;
};
Stats measure_samples(const std::function<Sample()>& timed_run, const MeasureOptions& options);

// Median, p10, p90, min and mean of samples (nearest-rank percentiles, runtime::summarize);
// spread as above.
Stats summarize_samples(std::vector<double> samples_us);

}  // namespace profiler
