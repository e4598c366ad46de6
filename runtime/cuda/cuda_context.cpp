#include "runtime/cuda/cuda_context.h"

#include "runtime/cuda/cuda_check.h"

namespace runtime::cuda {

namespace {
// cuBLAS's own recommendation for Hopper; given from our allocator so it is counted.
constexpr size_t cublas_workspace_bytes = size_t{32} << 20;
}  // namespace

CudaContext::CudaContext(int device, cudaStream_t stream, std::shared_ptr<CachingAllocator> allocator)
    : device_(device), stream_(stream), allocator_(std::move(allocator)) {}

CudaContext::~CudaContext() {
  cudaSetDevice(device_);
  cudaStreamSynchronize(stream_);
  if (cublas_ != nullptr) cublasDestroy(cublas_);
  if (cudnn_ != nullptr) cudnnDestroy(cudnn_);
}

cublasHandle_t CudaContext::cublas() {
  if (cublas_ == nullptr) {
    PARTPLAN_CUBLAS_CHECK(cublasCreate(&cublas_));
    PARTPLAN_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
    cublas_workspace_ = allocate(cublas_workspace_bytes);
    PARTPLAN_CUBLAS_CHECK(cublasSetWorkspace(cublas_, cublas_workspace_.get(), cublas_workspace_bytes));
    // Float32 arithmetic, no TF32 (cuBLAS's default, stated): the CPU kernels are the oracle,
    // and TF32's 10-bit mantissa misses their tolerances.
    PARTPLAN_CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));
    cublas_workspace_size_ = cublas_workspace_bytes;
  }
  return cublas_;
}

cudnnHandle_t CudaContext::cudnn() {
  if (cudnn_ == nullptr) {
    PARTPLAN_CUDNN_CHECK(cudnnCreate(&cudnn_));
    PARTPLAN_CUDNN_CHECK(cudnnSetStream(cudnn_, stream_));
  }
  return cudnn_;
}

std::shared_ptr<void> CudaContext::allocate(size_t bytes) {
  void* block = allocator_->allocate(bytes, reinterpret_cast<StreamId>(stream_));
  return std::shared_ptr<void>(block, [allocator = allocator_](void* p) { allocator->release(p); });
}

void CudaContext::reserve_workspace(size_t bytes) {
  if (bytes <= workspace_size_) return;
  workspace_.reset();  // stream-ordered: the old block is reused only after work queued before
  workspace_ = allocate(bytes);
  workspace_size_ = bytes;
}

}  // namespace runtime::cuda
