#pragma once
// The parts of a `partplan.run/1` file a report shows, in either form: a model run on one
// device, or a plan replayed on its devices ("mode": "plan"). The C++ side writes run files
// with nlohmann directly (cli/cmd_run*.cpp); this is the one reader.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace report {

struct LatencyFigures {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;  // ms
};

struct RunNode {
  std::string name, op_type, device;  // device: the run's one device, or the plan's
  double mean_us = 0;
  std::optional<double> median_us, predicted_us;  // a replay's
};

struct RunDevice {
  std::string name, description;
  std::optional<double> busy_share, busy_us_per_request, predicted_busy_us;  // a replay's
  int64_t peak_memory_bytes = 0;
};

struct RunBaseline {
  std::string name;
  LatencyFigures latency_ms;
  double throughput_per_s = 0, plan_latency_ratio = 0, plan_throughput_ratio = 0;
  bool is_the_plan = false;  // the plan runs all on this baseline's device
};

struct TimelineSpan {
  std::string name, device;
  double start_us = 0, end_us = 0;
};

struct CopyTimelineSpan {
  std::string tensor, from, to;  // devices, or "host"
  int64_t bytes = 0;
  double start_us = 0, end_us = 0;
};

struct RunSummary {
  bool replay = false;  // "mode": "plan"
  std::string model_path, model_sha256, plan_path;
  LatencyFigures latency_ms;
  double throughput_per_s = 0;
  std::optional<double> predicted_latency_ms, predicted_throughput_per_s, node_median_error;
  std::string load;  // "closed loop, 90 requests, 1 in flight", or "10 iterations"
  std::vector<RunDevice> devices;
  std::vector<RunBaseline> baselines;
  std::vector<RunNode> nodes;
  std::vector<TimelineSpan> timeline;  // a replay's typical request
  std::vector<CopyTimelineSpan> timeline_copies;  // its copies between memories
  std::optional<bool> outputs_ok;
};

// Throws ir::Error(file) naming the file when a field it needs is missing or of another type.
RunSummary run_from_json(const nlohmann::json& doc, const std::string& path);

}  // namespace report
