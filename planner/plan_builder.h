#pragma once
// Building a plan for a resolved model (`partplan plan`'s work, without its flags and printing):
// the objective's search over each device set the cost model allows (planner/device_groups),
// the best kept, every single-device baseline predicted beside it, and the decision to take a
// baseline instead of a split whose predicted gain is within the model's own uncertainty.
#include <optional>
#include <string>
#include <vector>

#include "costmodel/cost_model.h"
#include "ir/graph.h"
#include "planner/plan.h"

namespace planner {

struct PlanRequest {
  std::string objective = "latency";  // latency, memory or throughput
  double slo_ms = 0;                  // memory/throughput: the latency bound; 0 none
  int64_t gpu_mem_limit_bytes = 0;    // latency: each GPU's peak bound; 0 none
  std::string gpu_mem_limit_text;     // as written, for messages
  std::vector<std::string> pins;      // NODE=DEVICE
  double time_limit_s = 10;
  // Device sets to plan over (each one the devices that may run at once); empty: every
  // grouping of the cost model's devices (device_groupings).
  std::vector<std::vector<std::string>> device_sets;
  std::string devices_text;  // --devices as written, for messages
  // Take a split even when its predicted gain is within the model's uncertainty.
  bool keep_uncertain_split = false;
  // Plan even when most of the predicted time rests on fallbacks (bounded forms, the roofline).
  bool allow_fallbacks = false;
  // Also make every candidate `plan --measure` replays: the split searched (even if declined)
  // and a plan all on each single-device baseline's device.
  bool with_candidates = false;
  std::string costmodel_label;  // what the plan names as its cost model
  std::string machine;          // this machine (profiler::machine_summary): which devices are here
};

// A plan `plan --measure` may take: "plan" (the split searched) or a baseline's name.
struct NamedPlan {
  std::string name;
  Plan plan;
};

struct PlanOutcome {
  Plan plan;
  std::vector<NamedPlan> candidates;  // with PlanRequest::with_candidates
  bool any_gpu = false;
  double planning_s = 0;
};

// `graph` has resolved shapes and costs; `model_path`/`sha256` name it in the plan.
// Throws ir::Error(usage) when no plan meets the request, naming what to change.
PlanOutcome build_plan(const PlanRequest& request, const costmodel::CostModel& costs, const ir::Graph& graph, const std::string& model_path,
                       const std::string& model_sha256);

// Whether `a` serves the objective better than `b`.
bool better(const std::string& objective, const PlanMetrics& a, const PlanMetrics& b);
// The largest predicted peak over the plan's GPUs (what the memory objective minimises).
int64_t gpu_peak_of(const PlanMetrics& m);

}  // namespace planner
