// Builds without CUDA (or without CUPTI in the toolkit) have no GPU trace.
#include "profiler/gpu_trace.h"

namespace profiler {

std::unique_ptr<GpuTrace> start_gpu_trace(std::string& why_not) {
  why_not = "partplan was built without CUDA or without CUPTI";
  return nullptr;
}

}  // namespace profiler
