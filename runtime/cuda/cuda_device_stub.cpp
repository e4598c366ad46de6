// Built when PARTPLAN_CUDA is off.
#include "ir/error.h"
#include "runtime/cuda/cuda_device.h"

namespace runtime::cuda {

std::unique_ptr<Device> create_cuda_device(int index) {
  throw ir::Error(ir::ErrorKind::unsupported, "device 'cuda:" + std::to_string(index) + "': partplan was built without CUDA");
}

}  // namespace runtime::cuda
