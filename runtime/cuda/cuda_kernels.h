#pragma once
// Which ops have a CUDA kernel, and for which dtypes (host code). Each op family registers its
// kernels by an explicit call (DESIGN.md §7); the device builds one registry and answers
// supports() from it, so an op without an entry is placed on another device, never failed.
#include <array>
#include <memory>

#include "runtime/cuda/cuda_context.h"
#include "runtime/kernel.h"

namespace runtime::cuda {

struct CudaKernelEntry {
  std::unique_ptr<Kernel> (*make)(CudaContext& context) = nullptr;
  // The node's dtypes and attributes are ones the kernel handles; never throws.
  bool (*accepts)(const ir::Graph& graph, const ir::Node& node) = nullptr;
};

class CudaKernelRegistry {
 public:
  void add(ir::OpKind op, CudaKernelEntry entry) { entries_.at(static_cast<size_t>(op)) = entry; }
  // Null when the op has no CUDA kernel.
  const CudaKernelEntry* find(ir::OpKind op) const {
    const auto index = static_cast<size_t>(op);
    return index < entries_.size() && entries_[index].make != nullptr ? &entries_[index] : nullptr;
  }

 private:
  std::array<CudaKernelEntry, static_cast<size_t>(ir::OpKind::unknown)> entries_{};
};

void register_elementwise_kernels(CudaKernelRegistry& registry);  // elementwise_kernels.cpp
void register_movement_kernels(CudaKernelRegistry& registry);     // movement_kernels.cpp
void register_reduce_kernels(CudaKernelRegistry& registry);       // reduce_kernels.cpp
void register_matmul_kernels(CudaKernelRegistry& registry);       // matmul.cpp (cuBLAS)
void register_conv_kernels(CudaKernelRegistry& registry);         // conv.cpp (cuDNN)
void register_rnn_kernels(CudaKernelRegistry& registry);          // rnn_kernels.cpp (cuBLAS + rnn.cu)

inline CudaKernelRegistry make_cuda_kernel_registry() {
  CudaKernelRegistry registry;
  register_elementwise_kernels(registry);
  register_movement_kernels(registry);
  register_reduce_kernels(registry);
  register_matmul_kernels(registry);
  register_conv_kernels(registry);
  register_rnn_kernels(registry);
  return registry;
}

}  // namespace runtime::cuda
