#pragma once
// CUDA-side facts; built from cuda_info.cu with PARTPLAN_CUDA, else from cuda_info_stub.cpp
// which says "not built". Never throws: with no GPU or no driver it says so.
#include <string>
#include <utility>
#include <vector>

namespace runtime {

std::vector<std::pair<std::string, std::string>> cuda_library_versions();
std::vector<std::string> cuda_gpu_descriptions();

}  // namespace runtime
