#include "runtime/cuda/cuda_kernel.h"

#include "runtime/cuda/cuda_check.h"

namespace runtime::cuda {

void CudaKernel::prepare(const ir::Graph& graph, const ir::Node& node) {
  device_constants_.assign(node.inputs.size(), Tensor{});
  constant_inputs_.assign(node.inputs.size(), false);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    const ir::Tensor& t = graph.tensor(node.inputs[i]);
    constant_inputs_[i] = t.value != nullptr;
    if (!t.value || !reads_constant_at_run(i)) continue;
    device_constants_[i] = upload(t.value->bytes.data(), t.value->dtype, t.value->dims);
  }
  prepare_on_gpu(graph, node);
  // The uploads read host memory the executor may free as soon as prepare() returns.
  PARTPLAN_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

void CudaKernel::run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) {
  inputs_.assign(inputs.begin(), inputs.end());
  for (size_t i = 0; i < inputs_.size() && i < device_constants_.size(); ++i)
    if (device_constants_[i].data != nullptr) inputs_[i] = &device_constants_[i];
  run_on_gpu(inputs_, outputs);
}

int64_t CudaKernel::owned_bytes() const {
  int64_t total = 0;
  for (const Tensor& t : device_constants_) total += t.data != nullptr ? t.size_bytes() : 0;
  for (const Tensor& t : owned_) total += t.size_bytes();
  return total;
}

Tensor CudaKernel::upload(const void* host, ir::DType dtype, const std::vector<int64_t>& shape) {
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  const auto bytes = static_cast<size_t>(t.size_bytes());
  t.storage = context_.allocate(bytes);
  t.data = t.storage.get();
  if (bytes > 0) PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(t.data, host, bytes, cudaMemcpyHostToDevice, stream()));
  return t;
}

std::optional<ElementType> element_type(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::float32: return ElementType::f32;
    case ir::DType::float64: return ElementType::f64;
    case ir::DType::int32: return ElementType::i32;
    case ir::DType::int64: return ElementType::i64;
    case ir::DType::int8: return ElementType::i8;
    case ir::DType::uint8: return ElementType::u8;
    case ir::DType::boolean: return ElementType::boolean;
    default: return std::nullopt;
  }
}

StridedIndex to_index(const ir::Node& node, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t offset) {
  if (dims.size() > static_cast<size_t>(max_rank))
    unsupported(node, std::to_string(dims.size()) + " dims after merging; the CUDA kernels index at most " + std::to_string(max_rank));
  StridedIndex index;
  index.rank = static_cast<int>(dims.size());
  index.offset = offset;
  for (size_t d = 0; d < dims.size(); ++d) {
    index.dims[d] = dims[d];
    index.strides[d] = strides[d];
  }
  return index;
}

}  // namespace runtime::cuda
