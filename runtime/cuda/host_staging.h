#pragma once
// Copies between pageable host memory and the GPU through pinned staging buffers (host code).
// A copy from pageable memory is staged by the driver and blocks; through two pinned chunks
// the host's memcpy into one chunk overlaps the DMA of the other, the copy engines run at full
// PCIe speed, and a host-to-device copy returns as soon as the source is read (the DMA then
// finishes on the copy stream; the caller orders later work after it with an event).
#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>

namespace runtime::cuda {

class HostStaging {
 public:
  HostStaging() = default;
  ~HostStaging();
  HostStaging(const HostStaging&) = delete;
  HostStaging& operator=(const HostStaging&) = delete;

  // Enqueues src -> dst on `stream`; returns once src has been read (not when dst is written).
  void to_device(const void* src, void* dst, size_t bytes, cudaStream_t stream);
  // src -> dst through `stream`; returns when dst holds the bytes.
  void to_host(const void* src, void* dst, size_t bytes, cudaStream_t stream);

  static constexpr size_t chunk_bytes = size_t{8} << 20;

 private:
  void ensure_buffers();
  std::array<void*, 2> chunks_{};
  std::array<cudaEvent_t, 2> done_{};  // chunk k may be refilled once done_[k] has happened
};

}  // namespace runtime::cuda
