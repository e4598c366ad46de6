#pragma once
// The libraries partplan was built with and the devices it finds, for `partplan --version`
// and the header of every output file.
#include <string>
#include <utility>
#include <vector>

namespace runtime {

// (library, version) pairs: oneDNN, protobuf, and CUDA runtime/driver, cuDNN, CUPTI —
// "not built" without PARTPLAN_CUDA.
std::vector<std::pair<std::string, std::string>> library_versions();

// One line per GPU found ("cuda:0 NVIDIA H100 80GB HBM3, 132 SMs, 79.1 GiB"), or a single
// line saying why none is usable ("no GPU: cudaErrorInsufficientDriver").
std::vector<std::string> gpu_descriptions();

}  // namespace runtime
