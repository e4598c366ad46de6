// MaxPool and AveragePool on oneDNN's pooling primitive (ceil_mode becomes extra end padding
// that no window counts), with plain loops for what it lacks (MaxPool's Indices; AveragePool
// counting padding when a ceil_mode window runs past it); the global pools as plain loops.
#include <algorithm>
#include <array>
#include <limits>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/dnnl_step.h"
#include "runtime/window_geometry.h"

namespace runtime::cpu {

namespace {

using dnnl::memory;

// Float32 data in and out; MaxPool's Indices output is int64 by definition.
void require_float32_data(const ir::Graph& graph, const ir::Node& node) {
  if (input_info(graph, node, 0).dtype != ir::DType::float32 || output_info(graph, node, 0).dtype != ir::DType::float32)
    unsupported(node, "only float32 is implemented on the CPU (input is " + std::string(ir::dtype_name(input_info(graph, node, 0).dtype)) + ")");
}

class PoolKernel final : public Kernel {
 public:
  PoolKernel(CpuContext& context, bool max) : context_(context), max_(max) {}

  // oneDNN pools either layout; the plain loops (Indices, padding counted past a ceil_mode
  // edge) read plain tensors only.
  LayoutRule layout_rule(const ir::Graph& graph, const ir::Node& node) const override {
    if (max_ && node.has_output(1)) return LayoutRule::plain_only;
    const auto& x = input_info(graph, node, 0).shape;
    if (x.size() < 3 || x.size() > 5 || max_) return LayoutRule::uniform;
    const PoolGeometry geo = pool_geometry(node, x, output_info(graph, node, 0).shape);
    return geo.count_include_pad && geo.overhang ? LayoutRule::plain_only : LayoutRule::uniform;
  }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    if (max_ && node.has_output(1)) {
      if (output_info(graph, node, 1).dtype != ir::DType::int64) unsupported(node, "Indices must be int64");
      with_indices_ = true;
      column_major_ = attr_int(node, "storage_order", 0) != 0;
    }
    require_float32_data(graph, node);
    const auto& x = input_info(graph, node, 0).shape;
    const auto& y = output_info(graph, node, 0).shape;
    const size_t n = x.size() - 2;
    if (n < 1 || n > 3) unsupported(node, "only 1-D, 2-D and 3-D pooling is implemented");
    empty_ = element_count(y) == 0;
    if (empty_) return;
    if (element_count(x) == 0) unsupported(node, "empty input with a non-empty output");

    const PoolGeometry geo = pool_geometry(node, x, y);
    const auto& kernel = geo.kernel;
    const auto& strides = geo.strides;
    const auto& dilations = geo.dilations;
    const auto& pad_l = geo.pad_l;
    const auto& pad_r = geo.pad_r;
    const bool count_include_pad = geo.count_include_pad;
    const bool overhang = geo.overhang;
    std::vector<int64_t> dilation_minus_1(n);
    for (size_t i = 0; i < n; ++i) dilation_minus_1[i] = dilations[i] - 1;
    if (with_indices_ || (!max_ && count_include_pad && overhang)) {
      loops_ = true;
      for (size_t i = 0; i < n; ++i) {
        in_[i] = x[i + 2];
        out_[i] = y[i + 2];
        kernel_[i] = kernel[i];
        stride_[i] = strides[i];
        dilation_[i] = dilations[i];
        pad_begin_[i] = pad_l[i];
        // ceil_mode's overhang counts for nothing: the counted region ends at the given end pad.
        counted_end_[i] = x[i + 2] + geo.counted_pad_r[i];
      }
      planes_ = x[0] * x[1];
      count_include_pad_ = count_include_pad;
      return;
    }
    const auto algorithm = max_ ? dnnl::algorithm::pooling_max
                                : count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                                    : dnnl::algorithm::pooling_avg_exclude_padding;
    const memory::desc src_md = layout_desc(x, input_layout(0)), dst_md = layout_desc(y, output_layout(0));
    const auto engine = context_.engine;
    with_dnnl_errors(node, [&] {
      using Pool = dnnl::pooling_v2_forward;
      const Pool::desc desc(dnnl::prop_kind::forward_inference, algorithm, src_md, dst_md, to_dims(strides), to_dims(kernel),
                            to_dims(dilation_minus_1), to_dims(pad_l), to_dims(pad_r));
      const Pool::primitive_desc pd(desc, user_scratchpad_attr(), engine);
      step_.create(pd, engine);
      step_.bind(DNNL_ARG_SRC, src_md, engine);
      step_.bind(DNNL_ARG_DST, dst_md, engine);
    });
  }

  int64_t owned_bytes() const override { return step_.owned_bytes(); }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (empty_) return;
    if (loops_) {
      run_loops(inputs[0]->as<const float>(), outputs[0]->as<float>(),
                with_indices_ ? outputs[1]->as<int64_t>() : nullptr);
      return;
    }
    step_.set(DNNL_ARG_SRC, inputs[0]->data);
    step_.set(DNNL_ARG_DST, outputs[0]->data);
    step_.execute(context_.stream);
  }

 private:
  // Every window position inside the input takes part; a max keeps the first largest value
  // and its index within the plane (row- or column-major), as ONNX's reference does.
  void run_loops(const float* x, float* y, int64_t* indices) const {
    const int64_t in_plane = in_[0] * in_[1] * in_[2], out_plane = out_[0] * out_[1] * out_[2];
#pragma omp parallel for if (planes_ * out_plane > parallel_threshold)
    for (int64_t p = 0; p < planes_; ++p) {
      const float* src = x + p * in_plane;
      for (int64_t o = 0; o < out_plane; ++o) {
        const int64_t o0 = o / (out_[1] * out_[2]), o1 = o / out_[2] % out_[1], o2 = o % out_[2];
        const int64_t b0 = o0 * stride_[0] - pad_begin_[0], b1 = o1 * stride_[1] - pad_begin_[1], b2 = o2 * stride_[2] - pad_begin_[2];
        float best = -std::numeric_limits<float>::infinity();
        int64_t best_index = -1;
        double sum = 0.0;
        int64_t valid = 0, counted = 0;
        for (int64_t k0 = 0; k0 < kernel_[0]; ++k0) {
          const int64_t i0 = b0 + k0 * dilation_[0];
          for (int64_t k1 = 0; k1 < kernel_[1]; ++k1) {
            const int64_t i1 = b1 + k1 * dilation_[1];
            for (int64_t k2 = 0; k2 < kernel_[2]; ++k2) {
              const int64_t i2 = b2 + k2 * dilation_[2];
              if (i0 < counted_end_[0] && i1 < counted_end_[1] && i2 < counted_end_[2]) ++counted;
              if (i0 < 0 || i0 >= in_[0] || i1 < 0 || i1 >= in_[1] || i2 < 0 || i2 >= in_[2]) continue;
              const float v = src[(i0 * in_[1] + i1) * in_[2] + i2];
              ++valid;
              sum += v;
              if (best_index < 0 || v > best) {
                best = v;
                best_index = column_major_ ? i0 + i1 * in_[0] + i2 * in_[0] * in_[1] : (i0 * in_[1] + i1) * in_[2] + i2;
              }
            }
          }
        }
        if (max_) {
          y[p * out_plane + o] = best;
          if (indices) indices[p * out_plane + o] = p * in_plane + best_index;
        } else {
          const int64_t divisor = count_include_pad_ ? counted : valid;
          y[p * out_plane + o] = static_cast<float>(sum / static_cast<double>(divisor));
        }
      }
    }
  }

  CpuContext& context_;
  bool max_;
  bool empty_ = false;
  DnnlStep step_;
  // The plain-loop path: spatial dims padded to three with size-1 dims.
  bool loops_ = false, with_indices_ = false, column_major_ = false, count_include_pad_ = false;
  int64_t planes_ = 0;
  std::array<int64_t, 3> in_{1, 1, 1}, out_{1, 1, 1}, kernel_{1, 1, 1}, stride_{1, 1, 1}, dilation_{1, 1, 1},
      pad_begin_{0, 0, 0}, counted_end_{1, 1, 1};
};

// Mean or max over all spatial positions of each (n, c) plane, for a plain or channels-last
// input (the [N, C, 1, ...] output is the same bytes in both layouts).
class GlobalPoolKernel final : public Kernel {
 public:
  explicit GlobalPoolKernel(bool max) : max_(max) {}

  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    const auto& x = input_info(graph, node, 0).shape;
    batch_ = x[0];
    channels_ = x[1];
    planes_ = x[0] * x[1];
    plane_size_ = element_count(x) / std::max<int64_t>(planes_, 1);
    channels_last_ = input_layout(0) == Layout::channels_last;
    if (planes_ > 0 && plane_size_ == 0 && max_) unsupported(node, "GlobalMaxPool over empty spatial dimensions");
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (channels_last_) {
      run_channels_last(inputs[0]->as<const float>(), outputs[0]->as<float>());
      return;
    }
    const float* x = inputs[0]->as<const float>();
    float* y = outputs[0]->as<float>();
    const int64_t size = plane_size_;
#pragma omp parallel for if (planes_ * size > parallel_threshold)
    for (int64_t p = 0; p < planes_; ++p) {
      const float* plane = x + p * size;
      if (max_) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < size; ++i) best = std::max(best, plane[i]);
        y[p] = best;
      } else {
        double sum = 0.0;
        for (int64_t i = 0; i < size; ++i) sum += plane[i];
        y[p] = size > 0 ? static_cast<float>(sum / static_cast<double>(size)) : std::numeric_limits<float>::quiet_NaN();
      }
    }
  }

 private:
  // Rows of C channels, one per spatial position: accumulate whole rows (vectorised over
  // channels), one batch item and block of channels per thread.
  void run_channels_last(const float* x, float* y) const {
    constexpr int64_t block = 256;
    const int64_t blocks = (channels_ + block - 1) / block;
    const int64_t size = plane_size_;
#pragma omp parallel for if (planes_ * size > parallel_threshold)
    for (int64_t job = 0; job < batch_ * blocks; ++job) {
      const int64_t n = job / blocks, begin = job % blocks * block, count = std::min(block, channels_ - begin);
      const float* rows = x + n * size * channels_ + begin;
      float* out = y + n * channels_ + begin;
      if (max_) {
        std::vector<float> best(static_cast<size_t>(count), -std::numeric_limits<float>::infinity());
        for (int64_t i = 0; i < size; ++i)
          for (int64_t c = 0; c < count; ++c) best[static_cast<size_t>(c)] = std::max(best[static_cast<size_t>(c)], rows[i * channels_ + c]);
        std::copy(best.begin(), best.end(), out);
      } else {
        std::vector<double> sum(static_cast<size_t>(count), 0.0);
        for (int64_t i = 0; i < size; ++i)
          for (int64_t c = 0; c < count; ++c) sum[static_cast<size_t>(c)] += rows[i * channels_ + c];
        for (int64_t c = 0; c < count; ++c)
          out[c] = size > 0 ? static_cast<float>(sum[static_cast<size_t>(c)] / static_cast<double>(size)) : std::numeric_limits<float>::quiet_NaN();
      }
    }
  }

  bool max_;
  bool channels_last_ = false;
  int64_t batch_ = 0, channels_ = 0, planes_ = 0, plane_size_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_MaxPool(CpuContext& context) { return std::make_unique<PoolKernel>(context, true); }
std::unique_ptr<Kernel> make_AveragePool(CpuContext& context) { return std::make_unique<PoolKernel>(context, false); }
std::unique_ptr<Kernel> make_GlobalAveragePool(CpuContext&) { return std::make_unique<GlobalPoolKernel>(false); }
std::unique_ptr<Kernel> make_GlobalMaxPool(CpuContext&) { return std::make_unique<GlobalPoolKernel>(true); }

}  // namespace runtime::cpu
