#pragma once
// GPU memory for the CUDA device: blocks taken from the driver once and kept, size-bucketed and
// stream-ordered, so a run's allocations after the first cost no cudaMalloc (which synchronises
// the device) and "peak GPU memory" is a number a planner can trust: live bytes (what tensors
// and workspaces hold) and reserved bytes (what the driver gave; what nvidia-smi shows, minus
// the context). Plain C++ over a backend interface, so its bookkeeping is tested without a GPU.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace runtime::cuda {

// Where the memory comes from: cudaMalloc/cudaFree on a device; a counting fake in tests.
class MemoryBackend {
 public:
  virtual ~MemoryBackend() = default;
  // nullptr when the device has no room.
  virtual void* allocate(size_t bytes) = 0;
  virtual void release(void* block) = 0;
};

// An opaque stream handle (a cudaStream_t's bits); blocks are reused only on the stream that
// released them, where stream order makes reuse safe without an event.
using StreamId = uintptr_t;

struct GpuMemoryStats {
  int64_t live_bytes = 0;      // handed out (rounded sizes)
  int64_t peak_live_bytes = 0;
  int64_t reserved_bytes = 0;  // taken from the backend, live or cached
  int64_t peak_reserved_bytes = 0;
  int64_t backend_allocations = 0;  // calls that reached the backend
};

class CachingAllocator {
 public:
  explicit CachingAllocator(std::unique_ptr<MemoryBackend> backend);
  ~CachingAllocator();  // returns every block to the backend (the caller synchronised first)
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // At least `bytes` for use on `stream`. When the backend has no room, the cached blocks of
  // every stream are returned to it (the caller must have synchronised those streams: the
  // device does before it calls) and the request retried; throws ir::Error if it still fails.
  void* allocate(size_t bytes, StreamId stream);
  // Back to the cache of the stream it was allocated for. Unknown pointers throw.
  void release(void* block);
  // Returns every cached (not live) block to the backend.
  void release_cached();

  GpuMemoryStats stats() const;
  void reset_peak();

  // The size a request is rounded to: 512-byte steps below 1 MiB, 2 MiB steps above (large
  // tensors of nearby sizes then share blocks; small ones waste little).
  static size_t rounded_size(size_t bytes);

 private:
  struct Block {
    size_t size = 0;
    StreamId stream = 0;
  };
  void release_cached_locked();

  std::unique_ptr<MemoryBackend> backend_;
  mutable std::mutex mutex_;
  std::unordered_map<void*, Block> live_;
  std::unordered_map<StreamId, std::multimap<size_t, void*>> cached_;  // per stream: size -> block
  GpuMemoryStats stats_;
};

}  // namespace runtime::cuda
