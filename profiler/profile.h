#pragma once
// The profile file (`partplan.profile/1`, docs/formats.md): what `partplan profile` measured,
// as plain data with its JSON form. Everything downstream (cost models, the planner) reads it.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/field_checks.h"
#include "profiler/measure.h"

namespace profiler {

inline constexpr const char* profile_schema = "partplan.profile/1";

// What tracing with CUPTI cost: one node timed with CUDA events, tracing off and on.
struct TracingOverhead {
  std::string node;
  double without_us = 0, with_us = 0;  // medians
};

struct CuptiInfo {
  int64_t dropped_records = 0;  // lost for want of buffer space: their nodes' times are short
  std::vector<TracingOverhead> overhead;
  double overhead_ratio = 0;  // median of with / without over `overhead`
};

struct DeviceInfo {
  std::string name;         // "cpu0", "cuda0"
  std::string spec;         // as the user wrote it: "cpu:threads=2"
  std::string description;  // cores, GPU name, SMs, memory
  std::string timer;        // "steady_clock", "cuda_events", "cupti"
  std::string timer_note;   // why a GPU is not timed with CUPTI; empty otherwise
  std::optional<CuptiInfo> cupti;
};

// A kernel (or copy, "[memcpy HtoD]") a GPU repetition ran, per repetition on average.
struct KernelTime {
  std::string name;
  double calls = 0, us = 0;
};

// A GPU repetition traced with CUPTI, seen from the host as well: a node costs at least its
// device time (the stats) and at least the host's time issuing it (launch).
struct GpuDetail {
  Stats launch;                     // host time inside the run call: launches, allocations
  Stats span;                       // CUDA events around the repetition: issue to last kernel end
  std::vector<KernelTime> kernels;  // slowest first
};

// One node on one device: its repetitions' statistics, or why it has none. With CUPTI the
// statistics are of the GPU's own time (kernels, copies, memsets the node issued).
struct NodeResult {
  std::optional<Stats> stats;
  std::optional<GpuDetail> gpu;  // when CUPTI traced it
  std::string unsupported;       // the device's reason when stats is empty
};

struct NodeRecord {
  std::string name, op_type;
  std::vector<std::vector<int64_t>> input_shapes;  // per input; empty for an omitted one
  double flops = 0;
  int64_t bytes_read = 0, bytes_written = 0, param_bytes = 0;
  std::map<std::string, NodeResult> devices;  // by device name
};

// The model end to end on one device, beside the sum of its nodes' medians.
struct WholeModel {
  Stats unfused;                  // every node its own kernel, as the nodes were profiled
  std::optional<GpuDetail> unfused_gpu;
  std::optional<Stats> fused;     // as `partplan run` runs it (fusion, layouts)
  std::optional<GpuDetail> fused_gpu;
  // CPU devices: each node's median inside the fused runs, by node name (0: fused into another
  // node's kernel). What a node costs where the model really runs, against its time alone.
  std::map<std::string, double> fused_node_us;
  // As `run --plan` replays a plan all on this device: a driving thread handing each kernel to
  // the device and waiting for it, one request at a time. Over `fused`, what a plan's nodes pay
  // beyond their kernels (absent in profiles before 2026-12-08).
  std::optional<Stats> replayed;
  double sum_of_node_medians_us = 0;
};

struct BatchProfile {
  std::optional<int64_t> batch;  // --batch N; empty when the shapes came from --shape alone
  std::map<std::string, std::vector<int64_t>> input_shapes;
  std::vector<NodeRecord> nodes;                 // graph order; constant nodes left out
  std::map<std::string, WholeModel> whole_model;  // by device name
  // CPU devices on cores of their own: each one's whole model (fused) while all of them run
  // theirs at once, over its time alone. Empty with fewer than two (absent before 2026-12-08).
  std::map<std::string, double> co_run;
  // Per ordered pair of those devices: the model's nodes replayed alternating between them
  // (node k on `first` when k is even) and all on `first`, medians. What a split of this model
  // really costs, for the cut links and for the planner's uncertainty about splits.
  struct Alternating {
    std::string first, second;
    double split_us = 0, one_us = 0;
  };
  std::vector<Alternating> alternating;
};

struct LinkPoint {
  int64_t bytes = 0;
  double time_us = 0;
};

// A transfer between two devices (or the host and one), fitted as latency + bytes / bandwidth.
struct LinkProfile {
  std::string from, to;  // device names; "host" for the caller's memory
  std::string kind;      // "hand-off" (shared memory, no copy) or "copy"
  std::string host_memory;  // a copy's host side: "pageable" (as the executor hands tensors over) or "pinned"
  std::vector<LinkPoint> points;
  double latency_us = 0;
  std::optional<double> bandwidth_gb_s;  // none for a hand-off: nothing is copied
};

struct Profile {
  std::string model_path, model_sha256;
  nlohmann::json machine;   // CPU model, cores, libraries and GPUs (runtime::library_versions)
  nlohmann::json settings;  // measurement options, warm or cold, fusion off
  std::vector<DeviceInfo> devices;
  std::vector<BatchProfile> batches;
  std::vector<LinkProfile> links;
  double wall_s = 0, timed_s = 0;  // the profile's wall time and the time inside timed runs
  bool complete = false;           // false: interrupted; `--resume` continues it
};

nlohmann::json to_json(const Profile& profile);
// A link's JSON, shared with the cost-model file (which carries the profile's links on).
nlohmann::json link_json(const LinkProfile& link);
LinkProfile link_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
// Links that make sense: ends among `devices` (or "host"), latency and points not negative,
// bandwidth positive. The profile and cost-model readers both check theirs with it.
void check_links(const ir::FieldChecks& c, const std::vector<LinkProfile>& links, const std::set<std::string>& devices);
// Throws ir::Error(file) naming `path` for a document that is not a partplan.profile/1.
Profile profile_from_json(const nlohmann::json& doc, const std::string& path);

}  // namespace profiler
