#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <cupti.h>

#include <cstdio>

#include "runtime/cuda/cuda_info.h"

namespace runtime {

namespace {

std::string dotted(int version, int major_div, int minor_div, int minor_mod) {
  return std::to_string(version / major_div) + "." + std::to_string(version / minor_div % minor_mod);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> cuda_library_versions() {
  std::vector<std::pair<std::string, std::string>> out;
  int runtime_version = 0;
  out.push_back({"CUDA runtime", cudaRuntimeGetVersion(&runtime_version) == cudaSuccess ? dotted(runtime_version, 1000, 10, 100) : "unknown"});
  int driver_version = 0;
  // No driver (the usual case on a GPU-less machine) reports 0: say so rather than "0.0".
  const bool have_driver = cudaDriverGetVersion(&driver_version) == cudaSuccess && driver_version > 0;
  out.push_back({"CUDA driver", have_driver ? dotted(driver_version, 1000, 10, 100) : "none"});
  const size_t cudnn = cudnnGetVersion();
  out.push_back({"cuDNN", std::to_string(cudnn / 10000) + "." + std::to_string(cudnn / 100 % 100) + "." + std::to_string(cudnn % 100)});
  uint32_t cupti = 0;
  out.push_back({"CUPTI", cuptiGetVersion(&cupti) == CUPTI_SUCCESS ? "API " + std::to_string(cupti) : "unavailable"});
  return out;
}

std::vector<std::string> cuda_gpu_descriptions() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls are not confused by it
    return {std::string("no GPU: ") + cudaGetErrorName(status)};
  }
  if (count == 0) return {"no GPU: none found"};
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    char line[256];
    std::snprintf(line, sizeof(line), "cuda:%d %s, %d SMs, %.1f GiB, sm_%d%d", i, prop.name, prop.multiProcessorCount,
                  static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), prop.major, prop.minor);
    out.push_back(line);
  }
  return out;
}

}  // namespace runtime
