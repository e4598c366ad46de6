#include "runtime/library_versions.h"

#include <dnnl.h>
#include <google/protobuf/stubs/common.h>

#include "runtime/cuda/cuda_info.h"

namespace runtime {

std::vector<std::pair<std::string, std::string>> library_versions() {
  const dnnl_version_t* dnnl = dnnl_version();
  std::vector<std::pair<std::string, std::string>> out = {
      {"oneDNN", std::to_string(dnnl->major) + "." + std::to_string(dnnl->minor) + "." + std::to_string(dnnl->patch) + " (" +
                     (dnnl->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "threadpool/other") + ")"},
      {"protobuf", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION)},
  };
  for (auto& entry : cuda_library_versions()) out.push_back(std::move(entry));
  return out;
}

std::vector<std::string> gpu_descriptions() { return cuda_gpu_descriptions(); }

}  // namespace runtime
