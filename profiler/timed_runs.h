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

// What the trace costs a run: its median with CUDA events, tracing off and then on.
TracingOverhead tracing_overhead(runtime::Device& device, runtime::Executor& executor, const std::vector<runtime::Tensor>& inputs,
                                 const std::string& node, GpuTrace& trace);

}  // namespace profiler
