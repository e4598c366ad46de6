#pragma once
// Live and peak bytes an allocator has handed out; shared by every device kind.
#include <algorithm>
#include <atomic>
#include <cstdint>

namespace runtime {

struct MemoryStats {
  int64_t live_bytes = 0;
  int64_t peak_bytes = 0;
  int64_t allocations = 0;
};

// Thread-safe counters an allocator updates on every allocate/release.
class MemoryCounter {
 public:
  void on_allocate(int64_t bytes) {
    const int64_t live = live_.fetch_add(bytes) + bytes;
    int64_t peak = peak_.load();
    while (live > peak && !peak_.compare_exchange_weak(peak, live)) {
    }
    allocations_.fetch_add(1);
  }
  void on_release(int64_t bytes) { live_.fetch_sub(bytes); }
  void reset_peak() { peak_.store(live_.load()); }
  MemoryStats stats() const { return {live_.load(), peak_.load(), allocations_.load()}; }

 private:
  std::atomic<int64_t> live_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> allocations_{0};
};

}  // namespace runtime
