#pragma once
// PARTPLAN_CUDA_CHECK(call), PARTPLAN_CUBLAS_CHECK(call), PARTPLAN_CUDNN_CHECK(call): throw
// ir::Error(internal) with the file, line and call text when a CUDA, cuBLAS or cuDNN call
// fails (host code, C++20).
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <string>

#include "ir/error.h"

namespace runtime::cuda {

[[noreturn]] inline void throw_gpu_error(const char* file, int line, const char* call, const std::string& what) {
  throw ir::Error(ir::ErrorKind::internal, std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " + what);
}

}  // namespace runtime::cuda

#define PARTPLAN_CUDA_CHECK(call)                                                                                  \
  do {                                                                                                            \
    const cudaError_t partplan_status = (call);                                                                  \
    if (partplan_status != cudaSuccess) {                                                                        \
      cudaGetLastError(); /* clear a sticky launch error so the next call starts clean */                        \
      ::runtime::cuda::throw_gpu_error(__FILE__, __LINE__, #call,                                                \
                                       std::string(cudaGetErrorName(partplan_status)) + " (" +                    \
                                           cudaGetErrorString(partplan_status) + ")");                            \
    }                                                                                                             \
  } while (0)

#define PARTPLAN_CUBLAS_CHECK(call)                                                                                 \
  do {                                                                                                              \
    const cublasStatus_t partplan_status = (call);                                                                 \
    if (partplan_status != CUBLAS_STATUS_SUCCESS)                                                                  \
      ::runtime::cuda::throw_gpu_error(__FILE__, __LINE__, #call, cublasGetStatusString(partplan_status));         \
  } while (0)

#define PARTPLAN_CUDNN_CHECK(call)                                                                                  \
  do {                                                                                                              \
    const cudnnStatus_t partplan_status = (call);                                                                  \
    if (partplan_status != CUDNN_STATUS_SUCCESS)                                                                   \
      ::runtime::cuda::throw_gpu_error(__FILE__, __LINE__, #call, cudnnGetErrorString(partplan_status));           \
  } while (0)

// After a launcher: a bad launch configuration is reported here, naming the node, instead of
// at the next synchronisation.
#define PARTPLAN_CUDA_CHECK_LAUNCH() PARTPLAN_CUDA_CHECK(cudaPeekAtLastError())
