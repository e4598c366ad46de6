// Builds without CUDA have no GPU to trace.
#include "profiler/gpu_trace.h"

namespace profiler {

std::unique_ptr<GpuTrace> start_gpu_trace(std::string& why_not) {
  why_not = "partplan was built without CUDA";
  return nullptr;
}

}  // namespace profiler
