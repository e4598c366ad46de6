// The GPU caching allocator's bookkeeping over a fake backend: no GPU needed.
#include <doctest/doctest.h>

#include <cstdlib>
#include <set>

#include "ir/error.h"
#include "runtime/cuda/caching_allocator.h"

namespace {

// Hands out host memory up to a capacity and records what is outstanding.
class FakeBackend final : public runtime::cuda::MemoryBackend {
 public:
  explicit FakeBackend(size_t capacity, std::set<void*>* outstanding) : capacity_(capacity), outstanding_(outstanding) {}
  void* allocate(size_t bytes) override {
    if (used_ + bytes > capacity_) return nullptr;
    void* p = std::malloc(bytes);
    used_ += bytes;
    sizes_[p] = bytes;
    outstanding_->insert(p);
    return p;
  }
  void release(void* block) override {
    used_ -= sizes_.at(block);
    sizes_.erase(block);
    outstanding_->erase(block);
    std::free(block);
  }

 private:
  size_t capacity_, used_ = 0;
  std::map<void*, size_t> sizes_;
  std::set<void*>* outstanding_;
};

constexpr size_t MiB = size_t{1} << 20;

}  // namespace

TEST_CASE("GPU allocator: sizes round to 512 bytes below 1 MiB and to 2 MiB above") {
  using runtime::cuda::CachingAllocator;
  CHECK(CachingAllocator::rounded_size(0) == 512);
  CHECK(CachingAllocator::rounded_size(1) == 512);
  CHECK(CachingAllocator::rounded_size(513) == 1024);
  CHECK(CachingAllocator::rounded_size(MiB - 1) == MiB);
  CHECK(CachingAllocator::rounded_size(MiB + 1) == 2 * MiB);
  CHECK(CachingAllocator::rounded_size(5 * MiB) == 6 * MiB);
}

TEST_CASE("GPU allocator: a released block is reused on its stream, not on another, and counted once") {
  std::set<void*> outstanding;
  runtime::cuda::CachingAllocator allocator(std::make_unique<FakeBackend>(64 * MiB, &outstanding));
  void* a = allocator.allocate(3 * MiB, 1);
  CHECK(allocator.stats().live_bytes == static_cast<int64_t>(4 * MiB));
  allocator.release(a);
  CHECK(allocator.stats().live_bytes == 0);
  CHECK(allocator.stats().reserved_bytes == static_cast<int64_t>(4 * MiB));  // kept, not freed
  void* b = allocator.allocate(4 * MiB, 1);  // same bucket, same stream: the same block
  CHECK(b == a);
  void* c = allocator.allocate(4 * MiB, 2);  // another stream: a new block
  CHECK(c != a);
  CHECK(allocator.stats().backend_allocations == 2);
  CHECK(allocator.stats().peak_live_bytes == static_cast<int64_t>(8 * MiB));
  void* small = allocator.allocate(100, 1);
  allocator.release(small);
  CHECK(allocator.allocate(16 * MiB, 1) != small);  // a small block never serves a large request
  allocator.release(b);
  allocator.release(c);
  CHECK_THROWS_AS(allocator.release(b), ir::Error);  // not live any more
}

TEST_CASE("GPU allocator: when the device is full, cached blocks go back and the request is retried") {
  std::set<void*> outstanding;
  runtime::cuda::CachingAllocator allocator(std::make_unique<FakeBackend>(10 * MiB, &outstanding));
  void* a = allocator.allocate(6 * MiB, 1);
  allocator.release(a);  // cached: 6 MiB still reserved
  void* b = allocator.allocate(8 * MiB, 2);  // does not fit beside the cache: the cache is released
  CHECK(b != nullptr);
  CHECK(outstanding.size() == 1);
  CHECK(allocator.stats().reserved_bytes == static_cast<int64_t>(8 * MiB));
  CHECK_THROWS_WITH_AS(allocator.allocate(4 * MiB, 1), doctest::Contains("out of GPU memory"), ir::Error);
  allocator.release(b);
  allocator.release_cached();
  CHECK(outstanding.empty());
  CHECK(allocator.stats().reserved_bytes == 0);
  CHECK(allocator.stats().peak_reserved_bytes == static_cast<int64_t>(8 * MiB));
}

TEST_CASE("GPU allocator: destroying it returns live and cached blocks to the backend") {
  std::set<void*> outstanding;
  {
    runtime::cuda::CachingAllocator allocator(std::make_unique<FakeBackend>(64 * MiB, &outstanding));
    allocator.release(allocator.allocate(1000, 3));
    allocator.allocate(2 * MiB, 3);
    CHECK(outstanding.size() == 2);
  }
  CHECK(outstanding.empty());
}
