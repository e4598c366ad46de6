#include "runtime/cuda/caching_allocator.h"

#include <algorithm>
#include <string>

#include "ir/error.h"

namespace runtime::cuda {

namespace {
constexpr size_t small_step = 512;
constexpr size_t large_threshold = size_t{1} << 20;
constexpr size_t large_step = size_t{2} << 20;

std::string mib(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }
}  // namespace

size_t CachingAllocator::rounded_size(size_t bytes) {
  const size_t step = bytes < large_threshold ? small_step : large_step;
  return std::max<size_t>((bytes + step - 1) / step * step, small_step);
}

CachingAllocator::CachingAllocator(std::unique_ptr<MemoryBackend> backend) : backend_(std::move(backend)) {}

CachingAllocator::~CachingAllocator() {
  release_cached_locked();
  for (auto& [block, info] : live_) backend_->release(block);
}

void* CachingAllocator::allocate(size_t bytes, StreamId stream) {
  const size_t size = rounded_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  void* block = nullptr;
  size_t block_size = size;
  // The smallest cached block of this stream that fits without wasting more than half of it.
  auto& cache = cached_[stream];
  auto it = cache.lower_bound(size);
  if (it != cache.end() && it->first <= 2 * size) {
    block = it->second;
    block_size = it->first;
    cache.erase(it);
  } else {
    block = backend_->allocate(size);
    if (block == nullptr) {  // the device is full: give back what no stream uses, then retry
      release_cached_locked();
      block = backend_->allocate(size);
    }
    if (block == nullptr)
      throw ir::Error(ir::ErrorKind::unsupported, "out of GPU memory: " + mib(static_cast<int64_t>(size)) + " requested with " +
                                                      mib(stats_.live_bytes) + " in use");
    ++stats_.backend_allocations;
    stats_.reserved_bytes += static_cast<int64_t>(size);
    stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  }
  live_[block] = Block{block_size, stream};
  stats_.live_bytes += static_cast<int64_t>(block_size);
  stats_.peak_live_bytes = std::max(stats_.peak_live_bytes, stats_.live_bytes);
  return block;
}

void CachingAllocator::release(void* block) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(block);
  if (it == live_.end()) throw ir::Error(ir::ErrorKind::internal, "GPU allocator: release of a block it did not hand out");
  stats_.live_bytes -= static_cast<int64_t>(it->second.size);
  cached_[it->second.stream].emplace(it->second.size, block);
  live_.erase(it);
}

void CachingAllocator::release_cached() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached_locked();
}

void CachingAllocator::release_cached_locked() {
  for (auto& [stream, cache] : cached_) {
    for (auto& [size, block] : cache) {
      backend_->release(block);
      stats_.reserved_bytes -= static_cast<int64_t>(size);
    }
    cache.clear();
  }
}

GpuMemoryStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_live_bytes = stats_.live_bytes;
  stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

}  // namespace runtime::cuda
