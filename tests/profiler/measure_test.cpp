// The profiler's stopping rule and statistics, driven by made-up repetition times.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "profiler/links.h"
#include "profiler/measure.h"

TEST_CASE("profiler: percentiles, spread and totals of known samples") {
  std::vector<double> samples;
  for (int i = 1; i <= 10; ++i) samples.push_back(i * 10.0);  // 10..100
  const profiler::Stats s = profiler::summarize_samples(samples);
  CHECK(s.reps == 10);
  CHECK(s.median_us == 50.0);  // nearest rank: ceil(0.5 * 10) = 5th
  CHECK(s.p10_us == 10.0);
  CHECK(s.p90_us == 90.0);
  CHECK(s.min_us == 10.0);
  CHECK(s.total_us == 550.0);
  CHECK(s.spread == doctest::Approx(80.0 / 50.0));
}

TEST_CASE("profiler: steady repetitions stop once the minimum time and repetitions are met") {
  profiler::MeasureOptions o;
  o.warmup = 2;
  o.min_reps = 10;
  o.min_time_ms = 1;  // 1000 us: 100 repetitions of 10 us
  o.max_time_ms = 100;
  int calls = 0;
  const profiler::Stats s = profiler::measure([&] { ++calls; return 10.0; }, o);
  CHECK(s.converged);
  CHECK(s.reps == 100);
  CHECK(calls == 102);  // the warm-up is run but not kept
  CHECK(s.median_us == 10.0);
}

TEST_CASE("profiler: noisy repetitions stop at the time budget or the repetition cap, not converged") {
  profiler::MeasureOptions o;
  o.warmup = 0;
  o.min_reps = 5;
  o.min_time_ms = 0.1;
  o.max_time_ms = 2;  // 2000 us
  o.target_spread = 0.01;
  int i = 0;
  const profiler::Stats by_time = profiler::measure([&] { return (++i % 2) ? 10.0 : 30.0; }, o);
  CHECK_FALSE(by_time.converged);
  CHECK(by_time.total_us >= 2000.0);
  CHECK(by_time.total_us < 2040.0);
  o.max_time_ms = 1e9;
  o.max_reps = 37;
  const profiler::Stats by_reps = profiler::measure([&] { return (++i % 2) ? 10.0 : 30.0; }, o);
  CHECK(by_reps.reps == 37);
  CHECK_FALSE(by_reps.converged);
}

TEST_CASE("profiler: a link fit recovers latency and bandwidth; a flat link has no bandwidth") {
  profiler::LinkProfile link;
  for (int64_t bytes : {4, 1024, 1 << 20, 64 << 20}) link.points.push_back({bytes, 12.0 + static_cast<double>(bytes) / 25e3});  // 25 GB/s
  profiler::fit_link(link);
  CHECK(link.latency_us == doctest::Approx(12.0).epsilon(1e-6));
  REQUIRE(link.bandwidth_gb_s.has_value());
  CHECK(*link.bandwidth_gb_s == doctest::Approx(25.0).epsilon(1e-6));
  profiler::LinkProfile flat;
  flat.points = {{0, 5.0}};
  profiler::fit_link(flat);
  CHECK(flat.latency_us == 5.0);
  CHECK_FALSE(flat.bandwidth_gb_s.has_value());
}

TEST_CASE("profiler: work outside the timing (a cache flush) cannot stretch a node's budget past max_time_ms") {
  profiler::MeasureOptions o;
  o.warmup = 0;
  o.min_reps = 3;
  o.min_time_ms = 1000;
  o.max_time_ms = 30;
  o.target_spread = 1e-9;  // never met
  const auto start = std::chrono::steady_clock::now();
  int i = 0;
  const profiler::Stats s = profiler::measure([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // untimed
    return (++i % 2) ? 1.0 : 2.0;
  }, o);
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  CHECK(s.reps >= 3);
  CHECK(wall_ms < 200);  // the timed total (a few us) would never have ended it
  CHECK_FALSE(s.converged);
}

TEST_CASE("profiler: one repetition is never 'converged'; a stop request ends the repetitions") {
  profiler::MeasureOptions o;
  o.warmup = 0;
  o.max_reps = 1;
  CHECK_FALSE(profiler::measure([] { return 5.0; }, o).converged);
  std::atomic<bool> stop{true};
  o.max_reps = 1000;
  o.min_reps = 1;
  o.min_time_ms = 1e9;
  o.stop = &stop;
  CHECK(profiler::measure([] { return 5.0; }, o).reps == 1);
}

TEST_CASE("profiler: a link whose fitted latency would be negative goes through the origin") {
  profiler::LinkProfile link;
  link.points = {{1000, 0.5}, {2000, 1.5}, {4000, 3.5}};  // the straight line meets zero at 500 bytes
  profiler::fit_link(link);
  CHECK(link.latency_us == 0.0);
  REQUIRE(link.bandwidth_gb_s.has_value());
  CHECK(*link.bandwidth_gb_s > 0);
}

TEST_CASE("profiler: repetitions whose figure is 0 (a GPU node launching nothing) end on their elapsed time") {
  profiler::MeasureOptions o;
  o.warmup = 1;
  o.min_reps = 10;
  o.min_time_ms = 1;  // 1000 us of elapsed time: 100 repetitions of 10 us
  o.max_time_ms = 1000;
  int calls = 0;
  const profiler::Stats s = profiler::measure_samples(
      [&] {
        ++calls;
        return profiler::Sample{0.0, 10.0};
      },
      o);
  CHECK(s.reps == 100);
  CHECK(calls == 101);
  CHECK(s.median_us == 0.0);
  CHECK(s.total_us == 0.0);  // the statistics are of the figures, not of the elapsed time
  CHECK(s.converged);
}
