#pragma once
// A device partplan can run nodes on. Capability is not placement: a device says what it
// can run (supports); only the planner decides where a node does run.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/kernel.h"
#include "runtime/memory_stats.h"
#include "runtime/tensor.h"

namespace runtime {

enum class DeviceKind { cpu, cuda };

// Times work on a device: start() before the work is issued, stop_us() after it has finished,
// returning the time in between. A CPU device's is the steady clock on the calling thread; a
// GPU's records events on its compute stream. Work run through execute() has synchronised the
// stream before stop_us(), so a GPU figure spans issuing the work (launches, allocations) and
// the GPU finishing it, as the host sees a run: not the kernels' own time (the profiler's
// CUPTI trace, profiler/gpu_trace.h, measures that).
class DeviceTimer {
 public:
  virtual ~DeviceTimer() = default;
  virtual void start() = 0;
  virtual double stop_us() = 0;
  // What measures: "steady_clock", "cuda_events" (written into profiles).
  virtual const char* method() const = 0;
};

class SteadyClockTimer final : public DeviceTimer {
 public:
  void start() override { start_ = std::chrono::steady_clock::now(); }
  double stop_us() override { return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_).count(); }
  const char* method() const override { return "steady_clock"; }

 private:
  std::chrono::steady_clock::time_point start_;
};

class Device {
 public:
  virtual ~Device() = default;
  virtual DeviceKind kind() const = 0;
  // Stable, unique within a device set: "cpu0", "cpu1", "cuda0".
  virtual const std::string& name() const = 0;
  // What this device is, for output files: "cpu:threads=2 (cores 0-1)".
  virtual std::string description() const = 0;
  // True when a kernel exists for the node's op and dtypes (attribute values a kernel refuses
  // show up only in create_kernel or prepare). Never throws.
  virtual bool supports(const ir::Graph& graph, const ir::Node& node) const = 0;
  // An unprepared kernel for the node's op; throws ir::Error(unsupported) naming the node.
  // The caller offers fusions (Kernel::fuse_next), sets layouts, then runs prepare() through
  // execute() (primitive creation may depend on the worker's thread count).
  virtual std::unique_ptr<Kernel> create_kernel(const ir::Graph& graph, const ir::Node& node) = 0;
  // Memory for a tensor of this shape (and layout) on this device, counted in memory().
  virtual Tensor allocate(ir::DType dtype, const std::vector<int64_t>& shape, Layout layout = Layout::plain) = 0;
  virtual MemoryStats memory() const = 0;
  // Scratch the device keeps for its kernels (shared by all of them), in bytes.
  virtual int64_t workspace_bytes() const { return 0; }
  virtual void reset_peak_memory() = 0;
  // Whether the host reads and writes this device's tensors directly (CPU memory).
  virtual bool host_accessible() const { return true; }
  // Host memory <-> a tensor of this device (dst.size_bytes() / src.size_bytes() bytes).
  // copy_from_host returns once `src` may be reused, and the device runs nothing that reads
  // `dst` before the copy is done; copy_to_host returns when `dst` holds the bytes.
  virtual void copy_from_host(const void* src, Tensor& dst) { std::memcpy(dst.data, src, static_cast<size_t>(dst.size_bytes())); }
  virtual void copy_to_host(const Tensor& src, void* dst) { std::memcpy(dst, src.data, static_cast<size_t>(src.size_bytes())); }
  // Host memory this device copies to and from at full speed, skipping any staging (page-locked
  // for a GPU); nullptr where all host memory is alike. Freed when the last owner lets go.
  virtual std::shared_ptr<void> allocate_host(size_t /*bytes*/) { return nullptr; }
  virtual std::unique_ptr<DeviceTimer> make_timer() { return std::make_unique<SteadyClockTimer>(); }
  // Evicts what the last runs left in the caches, for cold measurements: the host's by writing
  // twice the last-level cache (from the calling thread, the device's worker when called
  // inside execute()); a GPU's L2 likewise on its compute stream. Never timed.
  virtual void flush_caches() {
    // Twice the last-level cache the OS reports (32 MiB when it reports none), one buffer per
    // thread: each CPU device flushes from its own worker.
    static const size_t bytes = [] {
      const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
      return 2 * static_cast<size_t>(l3 > 0 ? l3 : (32L << 20));
    }();
    thread_local std::vector<char> buffer(bytes);
    thread_local char value = 0;
    std::fill(buffer.begin(), buffer.end(), ++value);
  }
  // Runs `work` on the device's own worker thread (whose thread count the device owns)
  // and waits for it; an exception thrown by `work` is rethrown here.
  virtual void execute(const std::function<void()>& work) = 0;
};

}  // namespace runtime
