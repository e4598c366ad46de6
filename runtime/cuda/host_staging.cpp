#include "runtime/cuda/host_staging.h"

#include <algorithm>
#include <cstring>

#include "runtime/cuda/cuda_check.h"

namespace runtime::cuda {

HostStaging::~HostStaging() {
  for (size_t k = 0; k < chunks_.size(); ++k) {
    if (done_[k] != nullptr) {
      cudaEventSynchronize(done_[k]);
      cudaEventDestroy(done_[k]);
    }
    if (chunks_[k] != nullptr) cudaFreeHost(chunks_[k]);
  }
}

void HostStaging::ensure_buffers() {
  if (chunks_[0] != nullptr) return;
  for (size_t k = 0; k < chunks_.size(); ++k) {
    PARTPLAN_CUDA_CHECK(cudaHostAlloc(&chunks_[k], chunk_bytes, cudaHostAllocDefault));
    PARTPLAN_CUDA_CHECK(cudaEventCreateWithFlags(&done_[k], cudaEventDisableTiming));
  }
}

void HostStaging::to_device(const void* src, void* dst, size_t bytes, cudaStream_t stream) {
  ensure_buffers();
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(dst);
  for (size_t offset = 0, k = 0; offset < bytes; offset += chunk_bytes, k ^= 1) {
    const size_t n = std::min(chunk_bytes, bytes - offset);
    PARTPLAN_CUDA_CHECK(cudaEventSynchronize(done_[k]));  // the chunk's last DMA has read it
    std::memcpy(chunks_[k], from + offset, n);
    PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(to + offset, chunks_[k], n, cudaMemcpyHostToDevice, stream));
    PARTPLAN_CUDA_CHECK(cudaEventRecord(done_[k], stream));
  }
}

void HostStaging::to_host(const void* src, void* dst, size_t bytes, cudaStream_t stream) {
  ensure_buffers();
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(dst);
  // Chunk k+1's DMA runs while chunk k is copied out on the host.
  const size_t chunks = (bytes + chunk_bytes - 1) / chunk_bytes;
  auto enqueue = [&](size_t c) {
    const size_t offset = c * chunk_bytes, n = std::min(chunk_bytes, bytes - offset), k = c % 2;
    PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(chunks_[k], from + offset, n, cudaMemcpyDeviceToHost, stream));
    PARTPLAN_CUDA_CHECK(cudaEventRecord(done_[k], stream));
  };
  if (chunks > 0) enqueue(0);
  for (size_t c = 0; c < chunks; ++c) {
    if (c + 1 < chunks) enqueue(c + 1);
    const size_t offset = c * chunk_bytes, n = std::min(chunk_bytes, bytes - offset), k = c % 2;
    PARTPLAN_CUDA_CHECK(cudaEventSynchronize(done_[k]));
    std::memcpy(to + offset, chunks_[k], n);
  }
}

}  // namespace runtime::cuda
