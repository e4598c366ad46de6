// Ops that move elements without arithmetic: Gather, Slice, Split, Concat, Transpose, Pad.
// Elements are copied as opaque words of their size, so one kernel serves every dtype.
// Slice/Pad read their index inputs (starts, pads...) at prepare time: shape resolution
// already required them to be constants.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/copy_plans.h"

namespace runtime::cpu {

namespace {

// Copies `rows` blocks of block_bytes between buffers whose rows lie src_stride/dst_stride apart:
// the shape of both Split and Concat.
void copy_blocks(char* dst, int64_t dst_stride, const char* src, int64_t src_stride, int64_t block_bytes, int64_t rows) {
  if (block_bytes == 0) return;
  if (rows == 1) {  // one big block (a split along axis 0): spread the memcpy itself
    copy_bytes(dst, src, block_bytes);
    return;
  }
#pragma omp parallel for if (rows * block_bytes > parallel_threshold * 4)
  for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * dst_stride, src + r * src_stride, static_cast<size_t>(block_bytes));
}

// ---- Gather ----------------------------------------------------------------------------

class GatherKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    plan_ = gather_plan(graph, node);
    node_name_ = node.name;
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const std::vector<int64_t> rows = source_rows(*inputs[1]);
    switch (plan_.element_bytes) {
      case 1: gather<uint8_t>(rows, inputs[0]->data, outputs[0]->data); break;
      case 2: gather<uint16_t>(rows, inputs[0]->data, outputs[0]->data); break;
      case 4: gather<uint32_t>(rows, inputs[0]->data, outputs[0]->data); break;
      default: gather<uint64_t>(rows, inputs[0]->data, outputs[0]->data); break;
    }
  }

 private:
  // Indices made non-negative and checked here, outside the parallel loop (a throw inside an
  // OpenMP region would terminate the process).
  std::vector<int64_t> source_rows(const Tensor& indices) const {
    std::vector<int64_t> rows(static_cast<size_t>(plan_.index_count));
    for (int64_t j = 0; j < plan_.index_count; ++j) {
      int64_t index = plan_.indices_int32 ? indices.as<const int32_t>()[j] : indices.as<const int64_t>()[j];
      if (index < -plan_.axis_dim || index >= plan_.axis_dim)
        throw ir::Error(ir::ErrorKind::shape, "node '" + node_name_ + "' (Gather): index " + std::to_string(index) +
                                                  " is out of range for a dimension of " + std::to_string(plan_.axis_dim));
      rows[static_cast<size_t>(j)] = index < 0 ? index + plan_.axis_dim : index;
    }
    return rows;
  }

  template <typename T>
  void gather(const std::vector<int64_t>& rows, const void* data, void* out) const {
    const T* in = static_cast<const T*>(data);
    T* dst = static_cast<T*>(out);
    const int64_t jobs = plan_.outer * plan_.index_count;
#pragma omp parallel for if (jobs * plan_.inner > parallel_threshold)
    for (int64_t job = 0; job < jobs; ++job) {
      const int64_t o = job / plan_.index_count, j = job % plan_.index_count;
      const T* src = in + (o * plan_.axis_dim + rows[static_cast<size_t>(j)]) * plan_.inner;
      T* to = dst + job * plan_.inner;
      for (int64_t k = 0; k < plan_.inner; ++k) to[k] = src[k];
    }
  }

  GatherPlan plan_;
  std::string node_name_;
};

// ---- Slice and Transpose: strided copies -------------------------------------------------

class SliceKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override { plan_ = slice_copy(graph, node); }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outputs[0]->element_count() == 0) return;
    run_strided_copy(plan_, inputs[0]->data, outputs[0]->data);
  }

 private:
  StridedCopy plan_;
};

class TransposeKernel : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override { plan_ = transpose_copy(graph, node); }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outputs[0]->element_count() == 0) return;
    run_strided_copy(plan_, inputs[0]->data, outputs[0]->data);
  }

 private:
  StridedCopy plan_;
};

// ---- Split and Concat: blocks along one axis -----------------------------------------------

class SplitKernel : public Kernel {
 public:
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }
  void prepare(const ir::Graph& graph, const ir::Node& node) override { plan_ = split_parts(graph, node, input_layout(0)); }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const auto* src = static_cast<const char*>(inputs[0]->data);
    for (size_t k = 0; k < outputs.size(); ++k)
      copy_blocks(static_cast<char*>(outputs[k]->data), plan_.part_bytes[k], src + plan_.part_offset_bytes[k], plan_.row_bytes,
                  plan_.part_bytes[k], plan_.outer);
  }

 private:
  AxisParts plan_;
};

class ConcatKernel : public Kernel {
 public:
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }
  void prepare(const ir::Graph& graph, const ir::Node& node) override { plan_ = concat_parts(graph, node, output_layout(0)); }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    auto* dst = static_cast<char*>(outputs[0]->data);
    if (plan_.outer == 1 || plan_.row_bytes >= 4096) {
      for (size_t k = 0; k < inputs.size(); ++k)
        copy_blocks(dst + plan_.part_offset_bytes[k], plan_.row_bytes, static_cast<const char*>(inputs[k]->data), plan_.part_bytes[k],
                    plan_.part_bytes[k], plan_.outer);
      return;
    }
    // Many short rows (a channel concat of channels-last tensors): each output row is written
    // whole, part after part, so writes stream instead of striding once per part.
    const int64_t rows = plan_.outer;
#pragma omp parallel for if (rows * plan_.row_bytes > parallel_threshold * 4)
    for (int64_t r = 0; r < rows; ++r)
      for (size_t k = 0; k < inputs.size(); ++k)
        std::memcpy(dst + r * plan_.row_bytes + plan_.part_offset_bytes[k], static_cast<const char*>(inputs[k]->data) + r * plan_.part_bytes[k],
                    static_cast<size_t>(plan_.part_bytes[k]));
  }

 private:
  AxisParts plan_;
};

// ---- Pad ---------------------------------------------------------------------------------

// For each output dim, the input index each position reads, or -1 for the constant fill.
// Tables make every mode (and negative pads, which crop) the same loop.
class PadKernel : public Kernel {
 public:
  // Any layout: the tables are built per logical dim, then put in memory order.
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    plan_ = pad_plan(graph, node, output_layout(0));
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (outputs[0]->element_count() == 0) return;
    uint64_t fill = 0;  // the fill value's bytes (zero unless given)
    if (!plan_.attr_fill.empty()) std::memcpy(&fill, plan_.attr_fill.data(), plan_.attr_fill.size());
    if (inputs.size() > 2 && inputs[2] != nullptr && inputs[2]->element_count() > 0)
      std::memcpy(&fill, inputs[2]->data, static_cast<size_t>(plan_.element_bytes));
    switch (plan_.element_bytes) {
      case 1: pad<uint8_t>(inputs[0]->data, outputs[0]->data, fill); break;
      case 2: pad<uint16_t>(inputs[0]->data, outputs[0]->data, fill); break;
      case 4: pad<uint32_t>(inputs[0]->data, outputs[0]->data, fill); break;
      default: pad<uint64_t>(inputs[0]->data, outputs[0]->data, fill); break;
    }
  }

 private:
  template <typename T>
  void pad(const void* data, void* out, uint64_t fill_bits) const {
    T fill;
    std::memcpy(&fill, &fill_bits, sizeof(T));
    const T* in = static_cast<const T*>(data);
    T* dst = static_cast<T*>(out);
    const size_t last = plan_.out_shape.size() - 1;
    const int64_t inner = plan_.out_shape[last];
    const int64_t rows = product(plan_.out_shape, 0, last);
    const std::vector<int64_t>& inner_map = plan_.source_index[last];
#pragma omp parallel for if (rows * inner > parallel_threshold)
    for (int64_t row = 0; row < rows; ++row) {
      T* to = dst + row * inner;
      int64_t offset = 0;
      bool filled = false;
      int64_t rest = row;
      for (size_t d = last; d-- > 0;) {
        const int64_t s = plan_.source_index[d][static_cast<size_t>(rest % plan_.out_shape[d])];
        rest /= plan_.out_shape[d];
        if (s < 0) filled = true;
        offset += s * plan_.in_strides[d];
      }
      if (filled) {
        for (int64_t k = 0; k < inner; ++k) to[k] = fill;
        continue;
      }
      const T* from = in + offset;
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t s = inner_map[static_cast<size_t>(k)];
        to[k] = s < 0 ? fill : from[s];
      }
    }
  }

  PadPlan plan_;
};

}  // namespace

std::unique_ptr<Kernel> make_Gather(CpuContext&) { return std::make_unique<GatherKernel>(); }
std::unique_ptr<Kernel> make_Slice(CpuContext&) { return std::make_unique<SliceKernel>(); }
std::unique_ptr<Kernel> make_Split(CpuContext&) { return std::make_unique<SplitKernel>(); }
std::unique_ptr<Kernel> make_Concat(CpuContext&) { return std::make_unique<ConcatKernel>(); }
std::unique_ptr<Kernel> make_Transpose(CpuContext&) { return std::make_unique<TransposeKernel>(); }
std::unique_ptr<Kernel> make_Pad(CpuContext&) { return std::make_unique<PadKernel>(); }

}  // namespace runtime::cpu
