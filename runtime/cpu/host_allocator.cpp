#include "runtime/cpu/host_allocator.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace runtime::cpu {

HostAllocator::~HostAllocator() {
  for (auto& [size, block] : free_blocks_) std::free(block);
}

std::shared_ptr<void> HostAllocator::allocate(size_t bytes) {
  // 64-byte alignment (a cache line; what oneDNN and AVX-512 loads like best).
  const size_t size = std::max<size_t>((bytes + 63) / 64 * 64, 64);
  void* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_blocks_.find(size);
    if (it != free_blocks_.end()) {
      block = it->second;
      free_blocks_.erase(it);
      cached_bytes_ -= size;
    }
  }
  if (block == nullptr) block = std::aligned_alloc(64, size);
  if (block == nullptr) throw std::bad_alloc();
  counter_.on_allocate(static_cast<int64_t>(size));
  // The deleter keeps the allocator alive: a tensor may outlive its device.
  return std::shared_ptr<void>(block, [self = shared_from_this(), size](void* p) { self->release(p, size); });
}

void HostAllocator::release(void* block, size_t size) {
  counter_.on_release(static_cast<int64_t>(size));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_bytes_ + size <= static_cast<size_t>(counter_.stats().peak_bytes)) {
      free_blocks_.emplace(size, block);
      cached_bytes_ += size;
      return;
    }
  }
  std::free(block);
}

size_t HostAllocator::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_bytes_;
}

}  // namespace runtime::cpu
