#pragma once
// A CPU device: one worker thread, pinned to its own cores where the machine has enough,
// that runs every kernel of this device with exactly `threads` OpenMP threads (its own
// OpenMP team, so two CPU devices compute side by side without oversubscribing).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "runtime/cpu/cpu_context.h"
#include "runtime/cpu/host_allocator.h"
#include "runtime/device.h"

namespace runtime::cpu {

class CpuDevice final : public Device {
 public:
  // `name`: "cpu0", or "cpu0-1" for a pooled device. `cores`: the CPUs to pin to (empty:
  // not pinned). `caller_spins`: a thread waiting in execute() spins briefly before sleeping;
  // only right when a core is free for it.
  CpuDevice(std::string name, int threads, std::vector<int> cores, bool caller_spins = false);
  ~CpuDevice() override;
  CpuDevice(const CpuDevice&) = delete;
  CpuDevice& operator=(const CpuDevice&) = delete;

  DeviceKind kind() const override { return DeviceKind::cpu; }
  const std::string& name() const override { return name_; }
  std::string description() const override;
  bool supports(const ir::Graph& graph, const ir::Node& node) const override;
  std::unique_ptr<Kernel> create_kernel(const ir::Graph& graph, const ir::Node& node) override;
  Tensor allocate(ir::DType dtype, const std::vector<int64_t>& shape, Layout layout = Layout::plain) override;
  MemoryStats memory() const override { return allocator_->stats(); }
  int64_t workspace_bytes() const override {
    return static_cast<int64_t>((context_.blocked_src.capacity() + context_.blocked_dst.capacity()) * sizeof(float));
  }
  void reset_peak_memory() override { allocator_->reset_peak(); }
  void execute(const std::function<void()>& work) override;

  int threads() const { return context_.threads; }

 private:
  void worker_loop();

  std::string name_;
  std::vector<int> cores_;
  bool caller_spins_;
  CpuContext context_;
  std::shared_ptr<HostAllocator> allocator_;  // shared with tensors that outlive the device

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::atomic<bool> queued_{false};  // lets the worker notice new work while it spins
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace runtime::cpu
