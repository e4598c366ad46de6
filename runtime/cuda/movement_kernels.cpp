// Data-movement ops on the GPU (host side). Every index plan is runtime/copy_plans.h's, the
// one the CPU kernels run: Slice, Transpose, Expand and Tile are strided copies, Split and
// Concat are 2-D copies (cudaMemcpy2DAsync: rows of part_bytes at two pitches), Gather, Pad and
// Resize (runtime/resize_plan.h's taps) have kernels of their own, and the relabelling ops
// (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) copy their bytes.
#include <cstring>

#include "runtime/copy_plans.h"
#include "runtime/resize_plan.h"
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

// Resize: one pass per resized axis with the taps uploaded in prepare(); passes ping-pong
// between two scratch buffers of the largest intermediate size.
class ResizeKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

 protected:
  bool reads_constant_at_run(size_t input) const override { return input == 0; }  // roi, scales, sizes are in the plan
  void prepare_on_gpu(const ir::Graph& graph, const ir::Node& node) override {
    plan_ = resize_plan(graph, node);
    if (!plan_.nearest && plan_.dtype != ir::DType::float32) unsupported(node, "linear and cubic Resize of float32 only on the GPU");
    element_bytes_ = static_cast<int>(movable_element_bytes(node, plan_.dtype));
    owned_.clear();
    passes_.clear();
    std::vector<int64_t> shape = plan_.in_shape;
    for (const AxisTaps& t : plan_.passes) {
      const auto [outer, inner] = blocks_around(t, shape);
      ResizePass pass{outer, t.in_len, t.out_len, inner, t.width, nullptr, nullptr, nullptr};
      owned_.push_back(upload(t.index.data(), ir::DType::int64, {static_cast<int64_t>(t.index.size())}));
      owned_.push_back(upload(t.extrapolate.data(), ir::DType::uint8, {static_cast<int64_t>(t.extrapolate.size())}));
      if (!t.weight.empty()) owned_.push_back(upload(t.weight.data(), ir::DType::float32, {static_cast<int64_t>(t.weight.size())}));
      passes_.push_back(pass);
      weighted_.push_back(!t.weight.empty());
      shape[t.dim] = t.out_len;
    }
    // Pointers into owned_ only once it no longer grows.
    size_t next = 0;
    for (size_t k = 0; k < passes_.size(); ++k) {
      passes_[k].index = owned_[next++].as<const int64_t>();
      passes_[k].extrapolate = owned_[next++].as<const uint8_t>();
      if (weighted_[k]) passes_[k].weight = owned_[next++].as<const float>();
    }
    const int64_t scratch_bytes = plan_.largest_intermediate * element_bytes_;
    for (int b = 0; b < 2; ++b) {
      scratch_[b] = Tensor{};
      scratch_[b].dtype = ir::DType::uint8;
      scratch_[b].shape = {passes_.size() > static_cast<size_t>(b + 1) ? scratch_bytes : 0};
      scratch_[b].storage = context_.allocate(static_cast<size_t>(scratch_[b].shape[0]));
      scratch_[b].data = scratch_[b].storage.get();
    }
  }
  void run_on_gpu(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (passes_.empty()) {
      const auto bytes = static_cast<size_t>(outputs[0]->size_bytes());
      if (bytes > 0) PARTPLAN_CUDA_CHECK(cudaMemcpyAsync(outputs[0]->data, inputs[0]->data, bytes, cudaMemcpyDeviceToDevice, stream()));
      return;
    }
    const void* src = inputs[0]->data;
    for (size_t k = 0; k < passes_.size(); ++k) {
      void* dst = k + 1 == passes_.size() ? outputs[0]->data : scratch_[k % 2].data;
      if (weighted_[k]) {
        float extrapolation = 0.0f;
        std::memcpy(&extrapolation, &plan_.extrapolation_bits, sizeof(float));
        launch_resize_weighted(static_cast<const float*>(src), static_cast<float*>(dst), passes_[k], extrapolation, stream());
      } else {
        launch_resize_nearest(element_bytes_, src, dst, passes_[k], plan_.extrapolation_bits, stream());
      }
      PARTPLAN_CUDA_CHECK_LAUNCH();
      src = dst;
    }
  }
  int64_t owned_bytes() const override { return CudaKernel::owned_bytes() + scratch_[0].size_bytes() + scratch_[1].size_bytes(); }

 private:
  ResizePlan plan_;
  int element_bytes_ = 4;
  std::vector<ResizePass> passes_;
  std::vector<bool> weighted_;
  Tensor scratch_[2];
};

bool accepts_resize(const ir::Graph& graph, const ir::Node& node) {
  try {
    const ResizePlan plan = resize_plan(graph, node);
    return movable(plan.dtype) && (plan.nearest || plan.dtype == ir::DType::float32);
  } catch (const ir::Error&) {
    return false;
  }
}

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
  registry.add(ir::OpKind::Resize, {&make_kernel<ResizeKernel>, &accepts_resize});
  for (ir::OpKind op : {ir::OpKind::Reshape, ir::OpKind::Flatten, ir::OpKind::Squeeze, ir::OpKind::Unsqueeze, ir::OpKind::Identity})
    registry.add(op, {&make_kernel<RelabelKernel>, &accepts_movable});
  registry.add(ir::OpKind::Dropout, {&make_kernel<RelabelKernel>, [](const ir::Graph& graph, const ir::Node& node) {
                                       return accepts_movable(graph, node) && !node.has_output(1);
                                     }});
}

}  // namespace runtime::cuda
