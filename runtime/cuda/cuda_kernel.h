#pragma once
// The base of every CUDA kernel (host code, C++20). Constant inputs (weights, folded values)
// live in host memory in the ir::Graph; prepare() uploads each one the kernel reads at run
// time into device memory of its own, once, so run() sees only device pointers and the
// executor can let the host copy go (holds_copy_of_input).
#include <memory>
#include <optional>
#include <vector>

#include "runtime/cuda/cuda_context.h"
#include "runtime/cuda/device_math.cuh"
#include "runtime/kernel.h"
#include "runtime/kernel_util.h"

namespace runtime::cuda {

class CudaKernel : public Kernel {
 public:
  explicit CudaKernel(CudaContext& context) : context_(context) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) final;
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) final;
  // Every constant input: uploaded, or folded into the kernel's own state in prepare().
  bool holds_copy_of_input(size_t input) const override { return input < constant_inputs_.size() && constant_inputs_[input]; }
  int64_t owned_bytes() const override;

 protected:
  // The op's own preparation, after the constants are on the device.
  virtual void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) = 0;
  // Enqueues the op on the compute stream; inputs are all device memory.
  virtual void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) = 0;
  // Whether run() reads constant input `input`; a kernel that folds a constant into state of
  // its own in prepare() (BatchNormalization's scale and shift, Slice's starts) says no, and
  // it is not uploaded.
  virtual bool reads_constant_at_run(size_t /*input*/) const { return true; }

  // Host values to device memory the kernel owns (counted in owned_bytes()).
  Tensor upload(const void* host, ir::DType dtype, const std::vector<int64_t>& shape);
  cudaStream_t stream() const { return context_.stream(); }

  CudaContext& context_;
  std::vector<Tensor> owned_;  // device memory held between runs besides the constants

 private:
  std::vector<Tensor> device_constants_;  // per input; empty where not an uploaded constant
  std::vector<bool> constant_inputs_;     // per input: a constant when prepared
  std::vector<const Tensor*> inputs_;     // run()'s inputs with constants swapped in
};

// The factory a registry entry holds.
template <typename K>
std::unique_ptr<Kernel> make_kernel(CudaContext& context) {
  return std::make_unique<K>(context);
}

// The launchers' element type of a dtype, if they have one.
std::optional<ElementType> element_type(ir::DType dtype);

// A strided copy plan (runtime/kernel_util.h) as the kernels' by-value index; refuses a plan of
// more than max_rank dims naming the node.
StridedIndex to_index(const ir::Node& node, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t offset = 0);

}  // namespace runtime::cuda
