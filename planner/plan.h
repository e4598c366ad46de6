#pragma once
// The plan file (`partplan.plan/1`, docs/formats.md): where and in what order every node runs,
// the copies between devices, and the predicted latency, memory and device use of the plan and
// of every baseline. Everything in it follows from its inputs: the same model, cost model,
// devices and flags give the same bytes (the planning wall time is printed, not written).
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "planner/pipeline.h"
#include "planner/problem_builder.h"
#include "planner/simulator.h"

namespace planner {

inline constexpr const char* plan_schema = "partplan.plan/1";

struct PlanMetrics {
  double latency_us = 0;
  std::map<std::string, int64_t> peak_bytes;  // per device
  std::map<std::string, double> busy_us;      // per device
  std::map<std::string, int> nodes;           // per device
  int copies = 0;
  int64_t copied_bytes = 0;
  std::optional<double> pipelined_throughput_per_s;  // a throughput plan's: stages overlap requests
  double throughput_per_s() const {  // else one request at a time
    return pipelined_throughput_per_s ? *pipelined_throughput_per_s : latency_us > 0 ? 1e6 / latency_us : 0.0;
  }
};

struct PlannedNode {
  std::string name, op_type, device;
  int order = 0;  // position in the device's queue
  double start_us = 0, end_us = 0;
  std::string source;  // the cost model's: measured, node, op, family, roofline
  bool estimated = false;
  // The activations it reads and writes (tensor names; the DAG a report draws) and the shapes
  // of all its inputs (weights too; [] for an omitted one) and outputs. Absent in plan files
  // written before 2026-11-25: read as empty.
  std::vector<std::string> inputs, outputs;
  std::vector<std::vector<int64_t>> input_shapes, output_shapes;
};

struct PlannedCopy {
  std::string tensor, from, to;
  int64_t bytes = 0;
  double start_us = 0, end_us = 0;
};

struct Baseline {
  std::string name;  // "all on cpu0", "cuda0 with cpu0 fallback"
  std::optional<PlanMetrics> metrics;
  std::string not_possible;  // why there is none (a node the device cannot run)
  // A single-device baseline's device description ("cpu:threads=2 (cores 0,1)"), for
  // `run --plan --compare` to make it; "" for others. Absent before 2026-12-08.
  std::string device;
};

// Why the plan is what it is, where the search's best was not simply taken: a split whose
// predicted gain over the best single-device baseline is within the cost model's uncertainty
// for it is declined for that baseline; `plan --measure` keeps what measured best.
struct Decision {
  std::string taken;     // "plan" (the split searched) or a baseline's name
  std::string reason;    // one sentence, printed by `plan`
  double predicted_gain = 0;  // the split's over the best baseline: 1 - its latency / theirs
  double uncertainty = 0;     // the cost model's relative uncertainty for the split
};

// `plan --measure`: each candidate replayed on this machine, alternating with the others.
struct MeasuredCandidate {
  std::string name;  // "plan" (the split searched), or a baseline's name
  double predicted_ms = 0, p50_ms = 0, p90_ms = 0;
  int requests = 0;
  bool taken = false;
};

// A set of devices the plan was also made over (`plan --devices "cpu0,cpu1|cpu2"`: devices
// sharing cores, so one set or the other runs, never both); the plan is the best of them.
struct Alternative {
  std::vector<std::string> devices;
  std::optional<PlanMetrics> metrics;
  std::string not_possible;  // why none was made over these devices
  bool chosen = false;
};

struct PlannedDevice {
  std::string name, description;
  bool estimated = false;  // from a device spec: roofline estimates
  std::string machine;     // where its profile was measured ("" for a device spec)
  // Measured on a machine like this one (same CPU model and core count): false marks a
  // what-if plan, for a device profiled elsewhere or known only from its spec.
  bool present = false;
};

struct Plan {
  std::string model_path, model_sha256, costmodel_path;
  std::map<std::string, std::vector<int64_t>> input_shapes;
  std::vector<PlannedDevice> devices;
  std::string objective = "latency";
  std::optional<double> slo_ms;             // the memory objective's latency bound
  std::map<std::string, std::string> pins;  // node -> device, as asked
  std::vector<PlannedNode> nodes;           // graph order
  std::vector<PlannedCopy> copies;
  std::vector<Stage> stages;  // the throughput objective's pipeline; empty otherwise
  PlanMetrics predicted;
  // Per device: (time, live bytes from then on) in the predicted schedule, weights included;
  // empty in plan files written before 2026-11-25.
  std::map<std::string, std::vector<std::pair<double, int64_t>>> memory_timeline;
  std::vector<Baseline> baselines;
  std::vector<Alternative> alternatives;  // empty unless several device sets were asked for
  // Per prediction source (measured, node, op, family, bounded, roofline): its share of the
  // plan's predicted node time. Absent before 2026-12-08: empty.
  std::map<std::string, double> coverage;
  std::optional<Decision> decision;
  std::vector<MeasuredCandidate> measured;  // with plan --measure
  std::string algorithm;
  int iterations = 0, moves = 0;
  bool timed_out = false;
  double time_limit_s = 0;
};

// A single-device baseline's name ("all on cpu0"), and the device such a name is of (none for
// other baselines: "cuda0 with cpu0 fallback", "replicas on ...").
std::string all_on_name(const std::string& device);
std::optional<std::string> all_on_device(const std::string& baseline_name);

PlanMetrics metrics_of(const Problem& problem, const std::vector<int>& device_of, const Schedule& schedule);

nlohmann::json to_json(const Plan& plan);
// Throws ir::Error(file) naming `path` for a document that is not a partplan.plan/1.
Plan plan_from_json(const nlohmann::json& doc, const std::string& path);

}  // namespace planner
