// Built when PARTPLAN_CUDA is off: the CUDA half of --version reports that it is absent.
#include "runtime/cuda/cuda_info.h"

namespace runtime {

std::vector<std::pair<std::string, std::string>> cuda_library_versions() {
  return {{"CUDA runtime", "not built"}, {"cuDNN", "not built"}, {"CUPTI", "not built"}};
}

std::vector<std::string> cuda_gpu_descriptions() { return {"no GPU: partplan was built without CUDA"}; }

}  // namespace runtime
