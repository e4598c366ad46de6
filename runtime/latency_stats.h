#pragma once
// Percentiles of measured latencies (nearest-rank on sorted samples).
#include <vector>

namespace runtime {

struct LatencySummary {
  int count = 0;
  double mean = 0, min = 0, p10 = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

LatencySummary summarize(std::vector<double> samples);

}  // namespace runtime
