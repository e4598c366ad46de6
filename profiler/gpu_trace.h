#pragma once
// What the GPU itself did for a piece of host code (DESIGN.md §4): CUPTI's activity records
// (CONCURRENT_KERNEL, never the serialising KERNEL kind, plus MEMCPY and MEMSET) tied to the
// code that issued them by an external correlation id pushed on the issuing thread. The
// interface carries no CUPTI types: the CUPTI build is its own target (profiler/cupti/), and
// a build without CUDA gets a stub that says why there is no trace.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace profiler {

// The device activity of one traced region (one repetition of a node).
struct TracedActivity {
  double kernel_us = 0;  // summed kernel durations
  double copy_us = 0;    // summed memcpy and memset durations
  // Per kernel name (copies as "[memcpy HtoD]", "[memset]"...): calls and summed time.
  struct Entry {
    int calls = 0;
    double total_us = 0;
  };
  std::map<std::string, Entry> by_name;
  double device_us() const { return kernel_us + copy_us; }
};

class GpuTrace {
 public:
  virtual ~GpuTrace() = default;
  // Everything the calling thread issues between begin(id) and end() belongs to `id`.
  virtual void begin(uint64_t id) = 0;
  virtual void end() = 0;
  // The activity of each region in `ids`, in that order, once the device has finished them (the
  // caller synchronised). The records are flushed out of CUPTI's buffers here, explicitly, and
  // every record held so far is dropped afterwards. A forced flush costs ~0.3-0.5 ms and slows
  // the launches after it (bench/cupti_overhead on an H100): collect a node's repetitions
  // together, never one per repetition.
  virtual std::vector<TracedActivity> collect(const std::vector<uint64_t>& ids) = 0;
  TracedActivity collect(uint64_t id) { return collect(std::vector<uint64_t>{id}).front(); }
  // Drops what was recorded and not collected (warm-up, regions nobody asked about).
  virtual void discard() = 0;
  // Tracing off and on again, to measure what it costs.
  virtual void set_enabled(bool enabled) = 0;
  // Records lost since tracing started: dropped for want of buffer space, incomplete (and the
  // rest of their buffer), or without timestamps. Nonzero: some nodes' times are short.
  virtual int64_t dropped_records() = 0;
};

// A region for the scope's lifetime: ended even when the traced code throws, so no stale id
// stays pushed for the rest of the profile.
class TraceRegion {
 public:
  TraceRegion(GpuTrace& trace, uint64_t id) : trace_(trace) { trace_.begin(id); }
  ~TraceRegion() {
    try {
      trace_.end();
    } catch (...) {  // a destructor must not throw; the next begin() reports a broken trace
    }
  }
  TraceRegion(const TraceRegion&) = delete;
  TraceRegion& operator=(const TraceRegion&) = delete;

 private:
  GpuTrace& trace_;
};

// Tracing off for the scope's lifetime, back on after it (also when the scope throws).
class TracingPaused {
 public:
  explicit TracingPaused(GpuTrace& trace) : trace_(trace) { trace_.set_enabled(false); }
  ~TracingPaused() {
    try {
      trace_.set_enabled(true);
    } catch (...) {
    }
  }
  TracingPaused(const TracingPaused&) = delete;
  TracingPaused& operator=(const TracingPaused&) = delete;

 private:
  GpuTrace& trace_;
};

// Starts tracing every GPU of the process, or returns nullptr with the reason in `why_not`
// (built without CUDA, CUPTI missing or failing to initialise, another tracer active).
std::unique_ptr<GpuTrace> start_gpu_trace(std::string& why_not);

}  // namespace profiler
