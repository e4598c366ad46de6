#pragma once
// Index math and per-element functions the CUDA kernels run, written once for both compilers:
// nvcc builds them into kernels, g++ builds them into the CPU-side tests that check them
// against the CPU kernels (tests/runtime/cuda/device_math_test.cpp). C++17, no partplan
// headers, so every .cu file can include it.
#include <cmath>
#include <cstdint>
#include <type_traits>

#if defined(__CUDACC__)
#define PARTPLAN_HD __host__ __device__ __forceinline__
#else
#define PARTPLAN_HD inline
#endif

namespace runtime::cuda {

// Shapes the kernels index, by value in the launch parameters (no device allocation per node).
// Transpose, Slice, Expand and Tile plans merge dims first, so 8 covers every model we know;
// a plan with more dims is refused in prepare() naming the node.
inline constexpr int max_rank = 8;

// out element `linear` (row-major over dims) reads element offset + sum(index[d] * strides[d]).
struct StridedIndex {
  int rank = 0;
  int64_t offset = 0;
  int64_t dims[max_rank] = {};
  int64_t strides[max_rank] = {};
};

PARTPLAN_HD int64_t strided_offset(const StridedIndex& ix, int64_t linear) {
  int64_t offset = ix.offset;
  for (int d = ix.rank - 1; d >= 0; --d) {
    const int64_t dim = ix.dims[d];
    offset += (linear % dim) * ix.strides[d];
    linear /= dim;
  }
  return offset;
}

// Launch geometry: one thread per element with a grid-stride loop, the grid capped so huge
// tensors reuse threads instead of overflowing gridDim.x.
inline constexpr int threads_per_block = 256;
inline constexpr int64_t max_blocks = 65535;
inline int64_t blocks_for(int64_t elements, int threads = threads_per_block) {
  const int64_t blocks = (elements + threads - 1) / threads;
  return blocks < 1 ? 1 : (blocks > max_blocks ? max_blocks : blocks);
}

// Activations (a unary op alone, or fused after Conv, MatMul, BatchNormalization, binary ops).
enum class Activation : int {
  none, relu, leaky_relu, elu, sigmoid, tanh, clip, hard_sigmoid, hard_swish, softplus, gelu_erf, gelu_tanh, swish,
  exp, log, sqrt, abs, neg, reciprocal, erf
};
struct ActivationSpec {
  Activation op = Activation::none;
  float alpha = 0.0f, beta = 0.0f;  // leaky/elu alpha, clip low/high, hard_sigmoid alpha/beta
};

PARTPLAN_HD float apply_activation(const ActivationSpec& a, float x) {
  switch (a.op) {
    case Activation::none: return x;
    case Activation::relu: return x > 0.0f ? x : 0.0f;
    case Activation::leaky_relu: return x >= 0.0f ? x : a.alpha * x;
    case Activation::elu: return x >= 0.0f ? x : a.alpha * (expf(x) - 1.0f);
    case Activation::sigmoid:  // two branches so expf never overflows
      return x >= 0.0f ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
    case Activation::tanh: return tanhf(x);
    case Activation::clip: return x != x ? x : fminf(fmaxf(x, a.alpha), a.beta);  // NaN passes through
    case Activation::hard_sigmoid: return fmaxf(0.0f, fminf(1.0f, a.alpha * x + a.beta));
    case Activation::hard_swish: return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));
    case Activation::softplus: return x > 20.0f ? x : log1pf(expf(x));
    case Activation::gelu_erf: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case Activation::gelu_tanh: return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case Activation::swish: return x >= 0.0f ? x / (1.0f + expf(-x)) : x * expf(x) / (1.0f + expf(x));
    case Activation::exp: return expf(x);
    case Activation::log: return logf(x);
    case Activation::sqrt: return sqrtf(x);
    case Activation::abs: return fabsf(x);
    case Activation::neg: return -x;
    case Activation::reciprocal: return 1.0f / x;
    case Activation::erf: return erff(x);
  }
  return x;
}

enum class BinaryOp : int { add, sub, mul, div, pow, equal, less, greater, logical_and };

// Arithmetic on T; integer division truncates toward zero as C++ (and ONNX's reference) does.
// Integers wrap (through uint64, as the CPU kernel: signed overflow is undefined in C++), and
// x/0 and MIN/-1 give 0 and MIN instead of trapping.
template <typename T>
PARTPLAN_HD T apply_arithmetic(BinaryOp op, T a, T b) {
  if constexpr (std::is_integral<T>::value) {
    const auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
    switch (op) {
      case BinaryOp::add: return static_cast<T>(ua + ub);
      case BinaryOp::sub: return static_cast<T>(ua - ub);
      case BinaryOp::mul: return static_cast<T>(ua * ub);
      case BinaryOp::div:
        if (b == T(0)) return T(0);
        if (std::is_signed<T>::value && b == static_cast<T>(-1)) return static_cast<T>(uint64_t{0} - ua);
        return static_cast<T>(a / b);
      default: return a;
    }
  } else {
    switch (op) {
      case BinaryOp::add: return a + b;
      case BinaryOp::sub: return a - b;
      case BinaryOp::mul: return a * b;
      case BinaryOp::div: return a / b;
      default: return a;
    }
  }
}
PARTPLAN_HD float apply_pow(float a, float b) { return powf(a, b); }

template <typename T>
PARTPLAN_HD bool apply_comparison(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::equal: return a == b;
    case BinaryOp::less: return a < b;
    case BinaryOp::greater: return a > b;
    case BinaryOp::logical_and: return a != T(0) && b != T(0);
    default: return false;
  }
}

// MaxPool / AveragePool over 1-3 spatial dims (missing leading dims are 1 everywhere), one
// NCHW plane. Windows follow ONNX: pads_begin, strides, dilations; the average divides by the
// window's positions inside the padded input (count_include_pad: never a ceil_mode overhang
// past pads_end) or inside the real input.
struct PoolParams {
  int64_t in_dims[3] = {1, 1, 1}, out_dims[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1}, strides[3] = {1, 1, 1}, pads_begin[3] = {0, 0, 0}, pads_end[3] = {0, 0, 0}, dilations[3] = {1, 1, 1};
  bool max = true;
  bool count_include_pad = false;
};

// Output element `o` (row-major over out_dims) of one plane `x` (row-major over in_dims).
PARTPLAN_HD float pool_output(const PoolParams& p, const float* x, int64_t o) {
  int64_t at[3];
  for (int d = 2; d >= 0; --d) {
    at[d] = o % p.out_dims[d];
    o /= p.out_dims[d];
  }
  int64_t padded = 1;
  for (int d = 0; d < 3; ++d) {
    int64_t count = 0;
    for (int64_t k = 0; k < p.kernel[d]; ++k) {
      const int64_t i = at[d] * p.strides[d] - p.pads_begin[d] + k * p.dilations[d];
      if (i >= -p.pads_begin[d] && i < p.in_dims[d] + p.pads_end[d]) ++count;
    }
    padded *= count;
  }
  float acc = p.max ? -INFINITY : 0.0f;
  int64_t inside = 0;
  for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
    const int64_t a = at[0] * p.strides[0] - p.pads_begin[0] + k0 * p.dilations[0];
    if (a < 0 || a >= p.in_dims[0]) continue;
    for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
      const int64_t b = at[1] * p.strides[1] - p.pads_begin[1] + k1 * p.dilations[1];
      if (b < 0 || b >= p.in_dims[1]) continue;
      for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
        const int64_t c = at[2] * p.strides[2] - p.pads_begin[2] + k2 * p.dilations[2];
        if (c < 0 || c >= p.in_dims[2]) continue;
        const float v = x[(a * p.in_dims[1] + b) * p.in_dims[2] + c];
        if (p.max) acc = v != v || acc != acc ? NAN : fmaxf(acc, v);  // a NaN stays, as numpy's max
        else acc += v;
        ++inside;
      }
    }
  }
  if (p.max) return acc;
  return acc / static_cast<float>(p.count_include_pad ? padded : inside);  // a window all padding: 0/0, as on the CPU
}

// Orders for ArgMax and TopK, as the CPU kernels': NaN is larger than everything (and still
// wins a "smallest" selection, as numpy's minimum), ties go to the lower index.
PARTPLAN_HD bool nan_greater(float a, float b) { return a != a ? b == b : a > b; }
PARTPLAN_HD bool nan_less(float a, float b) { return a != a ? b == b : a < b; }
PARTPLAN_HD bool topk_before(float va, int64_t a, float vb, int64_t b, bool largest) {
  if (largest ? nan_greater(va, vb) : nan_less(va, vb)) return true;
  if (largest ? nan_greater(vb, va) : nan_less(vb, va)) return false;
  return a < b;
}

// The index of the largest of n elements `stride` apart (the first, or with `last` the last,
// of equals).
PARTPLAN_HD int64_t argmax_of(const float* p, int64_t n, int64_t stride, bool last) {
  int64_t best = 0;
  for (int64_t e = 1; e < n; ++e) {
    const float v = p[e * stride], b = p[best * stride];
    if (nan_greater(v, b) || (last && !nan_greater(b, v))) best = e;
  }
  return best;
}

// The first k of n elements `stride` apart in TopK's order, written `out_stride` apart: each
// pick is the best element ordered after the previous pick (no scratch, k passes over n).
PARTPLAN_HD void topk_of(const float* p, int64_t n, int64_t stride, int64_t k, bool largest, float* values, int64_t* indices,
                         int64_t out_stride) {
  int64_t previous = -1;
  for (int64_t j = 0; j < k; ++j) {
    int64_t best = -1;
    for (int64_t e = 0; e < n; ++e) {
      const float v = p[e * stride];
      if (previous >= 0 && !topk_before(p[previous * stride], previous, v, e, largest)) continue;
      if (best < 0 || topk_before(v, e, p[best * stride], best, largest)) best = e;
    }
    if (values != nullptr) values[j * out_stride] = p[best * stride];
    if (indices != nullptr) indices[j * out_stride] = best;
    previous = best;
  }
}

// Element types as ONNX numbers them (ir::DType's values), for launchers that take several.
enum class ElementType : int { f32 = 1, u8 = 2, i8 = 3, i32 = 6, i64 = 7, boolean = 9, f64 = 11 };

}  // namespace runtime::cuda
