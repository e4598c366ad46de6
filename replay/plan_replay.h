#pragma once
// What a plan is weighed against on the real devices: the plan and its single-device
// baselines as candidates (each a set of devices, and per graph node its device and its place in
// that device's queue), and runs of them in turns, so a shared machine's drift falls on all
// alike. `run --plan --compare` replays a plan beside its baselines; `plan --measure` keeps the
// candidate that measured best.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "planner/plan.h"
#include "planner/plan_builder.h"
#include "runtime/executor.h"

namespace replay {

struct Candidate {
  std::string name;                 // "plan", or a baseline's name ("all on cpu0")
  std::vector<std::string> device_names;  // the plan's names ("cpu0", "cpu0-1")
  std::vector<std::string> specs;   // its devices as runtime::parse_device_list reads them
  std::vector<std::string> descriptions;  // as profiled ("cpu:threads=1 (cores 1)"): their cores
  std::vector<int> placement, order;  // per graph node: device index, place in its queue
  double predicted_ms = 0;
};

// The devices the candidates run on, one per device name, shared by every candidate that names
// it. Two devices on the same cores would each keep a team of OpenMP threads waiting there,
// and a 2-thread device beside another measured 1.7 ms where alone it measures 0.73 ms
// (resnet_small, batch 8, 2 cores).
class DevicePool {
 public:
  // The candidate's devices: those not made yet are made on the cores their descriptions name
  // (cpu1 alone on core 1, as profiled; else together from their specs, CPU devices on cores of
  // their own where there are enough), the others reused.
  std::vector<runtime::Device*> devices(const Candidate& candidate, const std::string& flag);

 private:
  std::map<std::string, std::unique_ptr<runtime::Device>> made_;
};

// The plan's devices as they were profiled: each description up to its first space
// ("cpu:threads=2 (cores 0,1)" -> "cpu:threads=2").
std::string spec_of(const std::string& description);

// The plan as a candidate for the model `graph` (shapes resolved). Throws ir::Error(usage)
// naming `label` for a what-if device, a plan node the model lacks, or a model node the plan
// lacks (constant nodes excepted: they never run).
Candidate plan_candidate(const planner::Plan& plan, const ir::Graph& graph, const std::string& label, const std::string& model_path);

// Each single-device baseline the plan lists with a device this machine can make (not a
// what-if), the whole model on it (the plan predicted it, so the cost model says it can).
std::vector<Candidate> baseline_candidates(const planner::Plan& plan, const ir::Graph& graph);

struct CandidateRun {
  std::string name;
  std::vector<double> latency_ms;  // one per request, over all turns
  double predicted_ms = 0;
};

// Every candidate on the pool's devices, in turns of `requests_per_turn` requests one at a
// time (after `warmup` each), until `seconds` have passed (at least `min_turns` turns).
std::vector<CandidateRun> measure_in_turns(const ir::Graph& graph, const std::vector<Candidate>& candidates, DevicePool& pool, const std::vector<runtime::Tensor>& inputs,
                                           const runtime::ExecutorOptions& options, double seconds, int requests_per_turn = 10, int warmup = 3, int min_turns = 3);

// `plan --measure`: the candidates whose devices are all on this machine replayed in turns for
// `seconds`; the one with the least measured p50 is taken. Each plan's `measured` lists every
// candidate's figures (the taken one marked); the taken plan's `decision` says why.
struct MeasuredChoice {
  planner::Plan plan;
  std::vector<CandidateRun> runs;  // per replayed candidate
  size_t skipped = 0;              // candidates with a device not here
};
MeasuredChoice choose_by_measuring(const ir::Graph& graph, const std::vector<planner::NamedPlan>& candidates, const std::vector<runtime::Tensor>& inputs,
                                   const runtime::ExecutorOptions& options, double seconds);

}  // namespace replay
