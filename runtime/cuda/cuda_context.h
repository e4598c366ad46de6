#pragma once
// What a CUDA kernel gets from its device: the compute stream, the cuBLAS and cuDNN handles
// bound to it, device memory from the device's caching allocator (so weights, workspaces
// and activations all count in its peak), and one workspace shared by every kernel. Kernels
// run one after another on the stream, so the workspace is never used twice at once; it is
// grown in prepare() to the largest need and looked up at run time (growth moves it).
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
#include <memory>

#include "runtime/cuda/caching_allocator.h"

namespace runtime::cuda {

class CudaContext {
 public:
  CudaContext(int device, cudaStream_t stream, std::shared_ptr<CachingAllocator> allocator);
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas();  // created on first use (cuBLAS costs ~100 MB of host memory)
  cudnnHandle_t cudnn();    // likewise
  // Device memory owned by the returned pointer, stream-ordered on the compute stream.
  std::shared_ptr<void> allocate(size_t bytes);
  // The shared workspace, at least `bytes` from now on (prepare() only).
  void reserve_workspace(size_t bytes);
  void* workspace() const { return workspace_.get(); }
  // The shared workspace and cuBLAS's, in bytes (part of what the device holds for kernels).
  size_t workspace_bytes() const { return workspace_size_ + cublas_workspace_size_; }

 private:
  int device_;
  cudaStream_t stream_;
  std::shared_ptr<CachingAllocator> allocator_;
  cublasHandle_t cublas_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  std::shared_ptr<void> workspace_, cublas_workspace_;
  size_t workspace_size_ = 0, cublas_workspace_size_ = 0;
};

}  // namespace runtime::cuda
