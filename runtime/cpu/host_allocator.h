#pragma once
// The CPU device's memory: 64-byte aligned blocks, counted (live/peak bytes), and kept for
// reuse when released. A graph run allocates the same sizes in the same order every time;
// handing back a block freed by the previous run skips the mmap, the page faults and the
// kernel's zeroing of fresh pages that large allocations otherwise cost on every run (with
// Clip moved onto oneDNN in the same change, mobilenet_v2 went from 25 to 9.4 ms). The blocks kept are bounded by the peak of live
// bytes, so the process never holds more than twice what a run needs.
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "runtime/memory_stats.h"

namespace runtime::cpu {

class HostAllocator : public std::enable_shared_from_this<HostAllocator> {
 public:
  ~HostAllocator();
  // A block of at least `bytes` (64-byte aligned), owned by the returned pointer; its
  // release returns the block here. Throws std::bad_alloc.
  std::shared_ptr<void> allocate(size_t bytes);
  MemoryStats stats() const { return counter_.stats(); }
  void reset_peak() { counter_.reset_peak(); }
  size_t cached_bytes() const;

 private:
  void release(void* block, size_t size);

  MemoryCounter counter_;
  mutable std::mutex mutex_;
  std::unordered_multimap<size_t, void*> free_blocks_;  // by rounded size
  size_t cached_bytes_ = 0;
};

}  // namespace runtime::cpu
