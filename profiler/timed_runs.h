#pragma once
// Repetitions of an executor's run on its device, as a profile records them: on the device's
// worker, timed by its timer (CPU: steady clock; GPU: CUDA events), or, for a GPU traced with
// CUPTI, by the GPU's own time for the work with the host's launch time and the events' span
// beside it. Cache flushes (cold runs) happen outside the timing.
#include <optional>
#include <string>
#include <vector>

#include "profiler/gpu_trace.h"
#include "profiler/measure.h"
#include "profiler/profile.h"
#include "runtime/device.h"
#include "runtime/executor.h"

namespace profiler {

struct TimedRuns {
  Stats stats;
  std::optional<GpuDetail> gpu;  // with a trace
  double elapsed_us = 0;         // the repetitions as the host waited for them
};

// `trace` may be null (no CUPTI, or a CPU device).
TimedRuns time_runs(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs, const MeasureOptions& options,
                    bool cold, GpuTrace* trace);

// Per node of the executor's graph, its median time inside `reps` runs of the whole graph (one
// warm-up first): as the model really runs, with fusion and layouts (a node fused into
// another's kernel takes 0). Only for devices whose kernels finish before run() returns (CPU):
// a GPU's per-node figure would be its issue time.
std::vector<double> node_medians_in_runs(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs, int reps);

// What the trace costs a run: its median with CUDA events, tracing off and then on.
TracingOverhead tracing_overhead(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs,
                                 const std::string& node, GpuTrace& trace);

}  // namespace profiler
