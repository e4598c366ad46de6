// Resize (opset 11-21) on the CPU: nearest, linear and cubic, every coordinate transformation
// mode, antialias, as ONNX's reference implementation computes them.
// Interpolation is separable: prepare() takes the taps of each resized axis from
// runtime/resize_plan.h, and run() applies them one axis at a time.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/resize_plan.h"

namespace runtime::cpu {

namespace {

template <typename T>
void nearest_pass(const AxisTaps& t, const std::vector<int64_t>& in_shape, const T* src, T* dst, T extrapolation) {
  const auto [outer, inner] = blocks_around(t, in_shape);
  const int64_t rows = outer * t.out_len;
#pragma omp parallel for if (rows * inner > parallel_threshold)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t o = row / t.out_len, j = row % t.out_len;
    T* out = dst + row * inner;
    if (t.extrapolate[static_cast<size_t>(j)]) {
      std::fill(out, out + inner, extrapolation);
      continue;
    }
    const T* in = src + (o * t.in_len + t.index[static_cast<size_t>(j)]) * inner;
    std::copy(in, in + inner, out);
  }
}

template <typename T>
void weighted_pass(const AxisTaps& t, const std::vector<int64_t>& in_shape, const T* src, T* dst, T extrapolation) {
  const auto [outer, inner] = blocks_around(t, in_shape);
  const int64_t rows = outer * t.out_len, width = t.width;
#pragma omp parallel for if (rows * inner * width > parallel_threshold)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t o = row / t.out_len, j = row % t.out_len;
    T* out = dst + row * inner;
    if (t.extrapolate[static_cast<size_t>(j)]) {
      std::fill(out, out + inner, extrapolation);
      continue;
    }
    const int64_t* index = t.index.data() + j * width;
    const float* weight = t.weight.data() + j * width;
    if (inner == 1) {
      T sum = 0;
      for (int64_t k = 0; k < width; ++k) sum += static_cast<T>(weight[k]) * src[o * t.in_len + index[k]];
      *out = sum;
      continue;
    }
    std::fill(out, out + inner, T(0));
    for (int64_t k = 0; k < width; ++k) {
      const T w = static_cast<T>(weight[k]);
      if (w == 0) continue;
      const T* in = src + (o * t.in_len + index[k]) * inner;
      for (int64_t i = 0; i < inner; ++i) out[i] += w * in[i];
    }
  }
}

class ResizeKernel final : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    plan_ = resize_plan(graph, node);
    // Intermediate results between passes ping-pong in two buffers made here, not in run().
    const size_t bytes = static_cast<size_t>(plan_.largest_intermediate) * ir::dtype_size_bytes(plan_.dtype);
    buffers_[0].assign(plan_.passes.size() > 1 ? bytes : 0, 0);
    buffers_[1].assign(plan_.passes.size() > 2 ? bytes : 0, 0);
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    if (y.element_count() == 0) return;
    if (plan_.passes.empty()) {
      std::memcpy(y.data, x.data, static_cast<size_t>(y.size_bytes()));
      return;
    }
    std::vector<int64_t> shape = plan_.in_shape;
    const void* src = x.data;
    for (size_t k = 0; k < plan_.passes.size(); ++k) {
      void* dst = k + 1 == plan_.passes.size() ? y.data : buffers_[k % 2].data();
      apply(plan_.passes[k], shape, src, dst);
      shape[plan_.passes[k].dim] = plan_.passes[k].out_len;
      src = dst;
    }
  }

 private:
  void apply(const AxisTaps& t, const std::vector<int64_t>& shape, const void* src, void* dst) const {
    auto typed = [&](auto tag) {
      using T = decltype(tag);
      T extrapolation;
      std::memcpy(&extrapolation, &plan_.extrapolation_bits, sizeof(T));
      if (plan_.nearest) nearest_pass(t, shape, static_cast<const T*>(src), static_cast<T*>(dst), extrapolation);
      else if constexpr (std::is_floating_point_v<T>) weighted_pass(t, shape, static_cast<const T*>(src), static_cast<T*>(dst), extrapolation);
    };
    if (!plan_.nearest) {
      if (plan_.dtype == ir::DType::float32) typed(float{});
      else typed(double{});
      return;
    }
    switch (ir::dtype_size_bytes(plan_.dtype)) {
      case 1: typed(uint8_t{}); break;
      case 2: typed(uint16_t{}); break;
      case 4: typed(uint32_t{}); break;
      default: typed(uint64_t{}); break;
    }
  }

  ResizePlan plan_;
  std::vector<char> buffers_[2];
};

}  // namespace

std::unique_ptr<Kernel> make_Resize(CpuContext&) { return std::make_unique<ResizeKernel>(); }

}  // namespace runtime::cpu
