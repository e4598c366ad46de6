#pragma once
// The CUDA device (`--device cuda:N`). Its class lives in cuda_device.cpp so no CUDA header
// reaches the rest of partplan; built without CUDA, the factory says so.
#include <memory>

#include "runtime/device.h"

namespace runtime::cuda {

// Throws ir::Error(unsupported) naming the device when there is no such GPU (no driver, index
// out of range) or partplan was built without CUDA.
std::unique_ptr<Device> create_cuda_device(int index);

}  // namespace runtime::cuda
