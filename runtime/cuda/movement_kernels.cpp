// Data-movement ops on the GPU (host side). Every index plan is runtime/copy_plans.h's, the
// one the CPU kernels run: Slice, Transpose, Expand and Tile are strided copies, Split and
// Concat are 2-D copies (cudaMemcpy2DAsync: rows of part_bytes at two pitches), Gather and Pad
// have kernels of their own, and the relabelling ops (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout) copy their bytes.
#include "runtime/copy_plans.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/cuda_kernel.h"
#include "runtime/cuda/cuda_kernels.h"
#include "runtime/cuda/movement.cuh"

namespace runtime::cuda {

namespace {

bool movable(ir::DType dtype) {
  const size_t bytes = ir::dtype_size_bytes(dtype);
  return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
}
bool accepts_movable(const ir::Graph& graph, const ir::Node& node) { return movable(input_info(graph, node, 0).dtype); }

class StridedCopyKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }  // starts, perm... are in the plan
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    StridedCopy plan;
    switch (node.op) {
      case ir::OpKind::Slice: plan = slice_copy(graph, node); break;
      case ir::OpKind::Transpose: plan = transpose_copy(graph, node); break;
      default: plan = repeat_copy(graph, node); break;
    }
    element_bytes_ = static_cast<int>(plan.element_bytes);
    index_ = to_index(node, plan.dims, plan.in_strides, plan.in_offset);
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_strided_copy(element_bytes_, inputs[0]->data, index_, outputs[0]->data, outputs[0]->element_count(), stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int element_bytes_ = 4;
  StridedIndex index_;
};

// Copies `rows` blocks of block_bytes between buffers whose rows lie the given pitches apart.
void copy_blocks(void* dst, int64_t dst_pitch, const void* src, int64_t src_pitch, int64_t block_bytes, int64_t rows, cudaStream_t stream) {
  if (block_bytes == 0 || rows == 0) return;
  PARTPLAN_CUDA_CHECK(cudaMemcpy2DAsync(dst, static_cast<size_t>(dst_pitch), src, static_cast<size_t>(src_pitch), static_cast<size_t>(block_bytes),
                                        static_cast<size_t>(rows), cudaMemcpyDeviceToDevice, stream));
}

class SplitKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override { plan_ = split_parts(graph, node, Layout::plain); }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const auto* src = static_cast<const char*>(inputs[0]->data);
    for (size_t k = 0; k < outputs.size(); ++k)
      copy_blocks(outputs[k]->data, plan_.part_bytes[k], src + plan_.part_offset_bytes[k], plan_.row_bytes, plan_.part_bytes[k], plan_.outer,
                  stream());
  }

 private:
  AxisParts plan_;
};

class ConcatKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override { plan_ = concat_parts(graph, node, Layout::plain); }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    auto* dst = static_cast<char*>(outputs[0]->data);
    for (size_t k = 0; k < inputs.size(); ++k)
      copy_blocks(dst + plan_.part_offset_bytes[k], plan_.row_bytes, inputs[k]->data, plan_.part_bytes[k], plan_.part_bytes[k], plan_.outer,
                  stream());
  }

 private:
  AxisParts plan_;
};

class GatherKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override { plan_ = gather_plan(graph, node); }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_gather(static_cast<int>(plan_.element_bytes), inputs[0]->data, inputs[1]->data, plan_.indices_int32, outputs[0]->data, plan_.outer,
                  plan_.axis_dim, plan_.index_count, plan_.inner, stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  GatherPlan plan_;
};

bool accepts_gather(const ir::Graph& graph, const ir::Node& node) {
  const ir::DType indices = input_info(graph, node, 1).dtype;
  return accepts_movable(graph, node) && (indices == ir::DType::int32 || indices == ir::DType::int64);
}

class PadKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }  // pads and the fill are read in prepare
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    const PadPlan plan = pad_plan(graph, node, Layout::plain);
    if (plan.out_shape.size() > static_cast<size_t>(max_rank)) unsupported(node, "more dims than the CUDA kernel indexes");
    element_bytes_ = static_cast<int>(plan.element_bytes);
    std::vector<int64_t> tables;
    index_.rank = static_cast<int>(plan.out_shape.size());
    for (size_t d = 0; d < plan.out_shape.size(); ++d) {
      index_.out_dims[d] = plan.out_shape[d];
      index_.in_strides[d] = plan.in_strides[d];
      index_.table_offsets[d] = static_cast<int64_t>(tables.size());
      tables.insert(tables.end(), plan.source_index[d].begin(), plan.source_index[d].end());
    }
    owned_ = {upload(tables.data(), ir::DType::int64, {static_cast<int64_t>(tables.size())})};
    // The fill value: opset >= 11's optional constant_value input, else the attribute's bytes.
    fill_bits_ = 0;
    if (!plan.attr_fill.empty()) std::memcpy(&fill_bits_, plan.attr_fill.data(), plan.attr_fill.size());
    if (node.has_input(2)) {
      const ir::Tensor& value = input_info(graph, node, 2);
      if (!value.value) unsupported(node, "a constant_value computed at run time");
      if (value.value->element_count() > 0) std::memcpy(&fill_bits_, value.value->bytes.data(), static_cast<size_t>(element_bytes_));
    }
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    launch_pad(element_bytes_, inputs[0]->data, outputs[0]->data, index_, owned_[0].as<const int64_t>(), fill_bits_,
               outputs[0]->element_count(), stream());
    PARTPLAN_CUDA_CHECK_LAUNCH();
  }

 private:
  int element_bytes_ = 4;
  PadIndex index_;
  uint64_t fill_bits_ = 0;
};

// Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout (inference): the same bytes.
class RelabelKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }
  void prepare_on_gpu(const ir::Graph& /*graph*/, const ir::Node& node) override {
    if (node.op == ir::OpKind::Dropout && node.has_output(1)) unsupported(node, "Dropout's mask output");
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const auto bytes = static_cast<size_t>(outputs[0]->size_bytes());
    if (bytes > 0) PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(outputs[0]->data, inputs[0]->data, bytes, cudaMemcpyDeviceToDevice, stream()));
  }
};

}  // namespace

void register_movement_kernels(CudaKernelRegistry& registry) {
  for (ir::OpKind op : {ir::OpKind::Slice, ir::OpKind::Transpose, ir::OpKind::Expand, ir::OpKind::Tile})
    registry.add(op, {&make_kernel<StridedCopyKernel>, &accepts_movable});
  registry.add(ir::OpKind::Split, {&make_kernel<SplitKernel>, &accepts_movable});
  registry.add(ir::OpKind::Concat, {&make_kernel<ConcatKernel>, &accepts_movable});
  registry.add(ir::OpKind::Gather, {&make_kernel<GatherKernel>, &accepts_gather});
  registry.add(ir::OpKind::Pad, {&make_kernel<PadKernel>, &accepts_movable});
  for (ir::OpKind op : {ir::OpKind::Reshape, ir::OpKind::Flatten, ir::OpKind::Squeeze, ir::OpKind::Unsqueeze, ir::OpKind::Identity})
    registry.add(op, {&make_kernel<RelabelKernel>, &accepts_movable});
  registry.add(ir::OpKind::Dropout, {&make_kernel<RelabelKernel>, [](const ir::Graph& graph, const ir::Node& node) {
                                       return accepts_movable(graph, node) && !node.has_output(1);
                                     }});
}

}  // namespace runtime::cuda
