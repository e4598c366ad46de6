// Elementwise one-input ops (activations, math, Not, Cast) and the copies Identity and
// Dropout (inference). Each math op is a small functor; one kernel template runs them all,
// so adding an op is a functor and a factory line.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <optional>

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/dnnl_step.h"
#include "runtime/cpu/eltwise_spec.h"
#include "runtime/cpu/kernel_util.h"

namespace runtime::cpu {

namespace {

// ---- functors: attributes are read once in prepare(); operator() is the op ----------------
// `integers` says whether ONNX also defines the op on integer tensors.

struct SqrtFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return std::sqrt(x); }
};
struct ExpFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return std::exp(x); }
};
struct LogFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return std::log(x); }
};
struct NegFn {
  static constexpr bool integers = true;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const {
    // Through the unsigned type: negating INT_MIN wraps instead of being undefined.
    if constexpr (std::is_integral_v<T>) return static_cast<T>(uint64_t{0} - static_cast<uint64_t>(x));
    else return -x;
  }
};
struct AbsFn {
  static constexpr bool integers = true;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) return x;
    else if constexpr (std::is_integral_v<T>) return x < 0 ? static_cast<T>(uint64_t{0} - static_cast<uint64_t>(x)) : x;
    else return std::fabs(x);
  }
};
struct ReciprocalFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return T(1) / x; }
};
struct ErfFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return std::erf(x); }
};

struct TanhFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return std::tanh(x); }
};
struct SigmoidFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const {
    // Two branches so exp() never overflows: large |x| gives exactly 0 or 1.
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }
};
struct ReluFn {
  static constexpr bool integers = true;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return x > T(0) ? x : T(0); }
};
struct LeakyReluFn {
  static constexpr bool integers = false;
  float alpha = 0.01f;
  void read(const ir::Node& node) { alpha = attr_float(node, "alpha", 0.01f); }
  template <typename T> T operator()(T x) const { return x >= T(0) ? x : static_cast<T>(alpha) * x; }
};
struct EluFn {
  static constexpr bool integers = false;
  float alpha = 1.0f;
  void read(const ir::Node& node) { alpha = attr_float(node, "alpha", 1.0f); }
  template <typename T> T operator()(T x) const { return x >= T(0) ? x : static_cast<T>(alpha) * std::expm1(x); }
};
struct GeluFn {
  static constexpr bool integers = false;
  bool tanh_approximation = false;
  void read(const ir::Node& node) {
    const std::string approximate = attr_string(node, "approximate", "none");
    if (approximate != "none" && approximate != "tanh") unsupported(node, "approximate='" + approximate + "'");
    tanh_approximation = approximate == "tanh";
  }
  template <typename T> T operator()(T x) const {
    if (tanh_approximation) {
      const T sqrt_2_over_pi = T(0.7978845608028654);
      return T(0.5) * x * (T(1) + std::tanh(sqrt_2_over_pi * (x + T(0.044715) * x * x * x)));
    }
    return T(0.5) * x * (T(1) + std::erf(x * T(0.7071067811865476)));
  }
};
struct HardSigmoidFn {
  static constexpr bool integers = false;
  float alpha = 0.2f, beta = 0.5f;
  void read(const ir::Node& node) {
    alpha = attr_float(node, "alpha", 0.2f);
    beta = attr_float(node, "beta", 0.5f);
  }
  template <typename T> T operator()(T x) const {
    return std::clamp(static_cast<T>(alpha) * x + static_cast<T>(beta), T(0), T(1));
  }
};
struct HardSwishFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const { return x * std::clamp(x / T(6) + T(0.5), T(0), T(1)); }
};
struct SoftplusFn {
  static constexpr bool integers = false;
  void read(const ir::Node&) {}
  template <typename T> T operator()(T x) const {
    // log(1 + e^x) without overflow: for x > 0 it is x + log(1 + e^-x).
    return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
};

// oneDNN's eltwise primitive over a float32 node's input as one flat array (elementwise, so
// any layout), or nothing when oneDNN has no such op or the tensor is empty.
std::optional<DnnlStep> eltwise_step(CpuContext& context, const ir::Graph& graph, const ir::Node& node) {
  const auto spec = eltwise_spec(graph, node);
  const int64_t n = element_count(input_info(graph, node, 0).shape);
  if (!spec || n == 0) return std::nullopt;
  std::optional<DnnlStep> step;
  with_dnnl_errors(node, [&] {
    const auto md = plain_desc({n});
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, spec->algorithm, md, spec->alpha, spec->beta);
    const dnnl::eltwise_forward::primitive_desc pd(desc, user_scratchpad_attr(), context.engine);
    step.emplace();
    step->create(pd, context.engine);
    step->bind(DNNL_ARG_SRC, md, context.engine);
    step->bind(DNNL_ARG_DST, md, context.engine);
  });
  return step;
}

// Runs functor F over a float tensor (or any numeric one when F::integers); float32 tensors
// go through oneDNN's eltwise primitive where it has the op.
template <typename F>
class UnaryKernel : public FlatKernel {
 public:
  explicit UnaryKernel(CpuContext& context) : context_(context) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    dtype_ = input_info(graph, node, 0).dtype;
    const bool is_float = dtype_ == ir::DType::float32 || dtype_ == ir::DType::float64;
    if (!is_float && !(F::integers && ir::is_integer(dtype_))) unsupported(node, "dtype " + std::string(ir::dtype_name(dtype_)));
    fn_.read(node);
    if (dtype_ == ir::DType::float32) eltwise_ = eltwise_step(context_, graph, node);
  }
  int64_t owned_bytes() const override { return eltwise_ ? eltwise_->owned_bytes() : 0; }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (eltwise_) {
      eltwise_->set(DNNL_ARG_SRC, inputs[0]->data);
      eltwise_->set(DNNL_ARG_DST, outputs[0]->data);
      eltwise_->execute(context_.stream);
      return;
    }
    visit_numeric(dtype_, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (F::integers || std::is_floating_point_v<T>) apply(inputs[0]->as<const T>(), outputs[0]->as<T>(), inputs[0]->element_count());
    });
  }

 private:
  template <typename T>
  void apply(const T* in, T* out, int64_t n) const {
    const F fn = fn_;
#pragma omp parallel for if (n > parallel_threshold)
    for (int64_t i = 0; i < n; ++i) out[i] = fn(in[i]);
  }

  CpuContext& context_;
  ir::DType dtype_ = ir::DType::undefined;
  F fn_;
  std::optional<DnnlStep> eltwise_;
};

// Clip: bounds are optional run-time inputs (opset >= 11) or attributes (older opsets).
class ClipKernel : public FlatKernel {
 public:
  explicit ClipKernel(CpuContext& context) : context_(context) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    dtype_ = input_info(graph, node, 0).dtype;
    bool known = false;
    visit_numeric(dtype_, [&](auto) { known = true; });
    if (!known) unsupported(node, "dtype " + std::string(ir::dtype_name(dtype_)));
    if (graph.opset < 11) {
      if (dtype_ != ir::DType::float32) unsupported(node, "Clip before opset 11 on a non-float32 tensor");
      attr_min_ = attr_float(node, "min", -std::numeric_limits<float>::infinity());
      attr_max_ = attr_float(node, "max", std::numeric_limits<float>::infinity());
      use_attributes_ = true;
    }
    for (size_t i = 1; i < 3; ++i)
      if (node.has_input(i) && element_count(input_info(graph, node, i).shape) != 1) unsupported(node, "min/max must be scalars");
    // Constant float32 bounds (ReLU6 and the like): oneDNN's vectorised clip.
    if (dtype_ == ir::DType::float32) eltwise_ = eltwise_step(context_, graph, node);
  }
  int64_t owned_bytes() const override { return eltwise_ ? eltwise_->owned_bytes() : 0; }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (eltwise_) {
      eltwise_->set(DNNL_ARG_SRC, inputs[0]->data);
      eltwise_->set(DNNL_ARG_DST, outputs[0]->data);
      eltwise_->execute(context_.stream);
      return;
    }
    visit_numeric(dtype_, [&](auto tag) {
      using T = decltype(tag);
      T low = std::numeric_limits<T>::lowest(), high = std::numeric_limits<T>::max();
      if (use_attributes_) {
        low = static_cast<T>(attr_min_);
        high = static_cast<T>(attr_max_);
      }
      if (inputs.size() > 1 && inputs[1] != nullptr) low = *inputs[1]->as<const T>();
      if (inputs.size() > 2 && inputs[2] != nullptr) high = *inputs[2]->as<const T>();
      const T* in = inputs[0]->as<const T>();
      T* out = outputs[0]->as<T>();
      const int64_t n = inputs[0]->element_count();
      // min then max, as ONNX specifies: with min > max every element becomes max.
#pragma omp parallel for if (n > parallel_threshold)
      for (int64_t i = 0; i < n; ++i) out[i] = std::min(std::max(in[i], low), high);
    });
  }

 private:
  CpuContext& context_;
  ir::DType dtype_ = ir::DType::undefined;
  bool use_attributes_ = false;
  float attr_min_ = 0, attr_max_ = 0;
  std::optional<DnnlStep> eltwise_;
};

class NotKernel : public FlatKernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    if (input_info(graph, node, 0).dtype != ir::DType::boolean) unsupported(node, "Not needs a bool tensor");
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const auto* in = inputs[0]->as<const uint8_t>();
    auto* out = outputs[0]->as<uint8_t>();
    const int64_t n = inputs[0]->element_count();
#pragma omp parallel for if (n > parallel_threshold)
    for (int64_t i = 0; i < n; ++i) out[i] = in[i] == 0 ? 1 : 0;
  }
};

// Identity, and Dropout in inference mode: a copy (aliasing the input is a later optimisation).
class CopyKernel : public FlatKernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    if (node.op == ir::OpKind::Dropout && node.has_input(2)) {
      const ir::Tensor& training = input_info(graph, node, 2);
      if (!training.value) unsupported(node, "training_mode must be a constant");
      if (training.value->to_int64s().at(0) != 0) unsupported(node, "training mode (random dropout)");
    }
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    copy_bytes(outputs[0]->data, inputs[0]->data, inputs[0]->size_bytes());
    // Dropout's optional mask: in inference nothing is dropped.
    if (outputs.size() > 1 && outputs[1] != nullptr) std::memset(outputs[1]->data, 1, static_cast<size_t>(outputs[1]->size_bytes()));
  }
};

// ---- Cast ------------------------------------------------------------------------------

// IEEE half <-> float, round to nearest even (what numpy and ONNX's reference do).
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: exactly mantissa * 2^-24
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  uint32_t bits = sign | (exponent == 31 ? 0x7f800000u | mantissa << 13 : (exponent + 112) << 23 | mantissa << 13);
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

uint16_t float_to_half(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs_bits = bits & 0x7fffffffu;
  if (abs_bits > 0x7f800000u) return sign | 0x7e00u;             // NaN
  if (abs_bits >= 0x477ff000u) return sign | 0x7c00u;            // rounds to >= 65520: infinity
  if (abs_bits < 0x38800000u) {                                  // below the smallest normal half
    const float magnitude = std::fabs(f) * 16777216.0f;          // in units of 2^-24
    return sign | static_cast<uint16_t>(std::nearbyint(magnitude));  // nearest even (default rounding mode)
  }
  // Normal: rebias the exponent, then round the 13 dropped mantissa bits to nearest even.
  const uint32_t rebased = abs_bits - (112u << 23);
  const uint32_t round_bit = (rebased >> 13) & 1u;
  return sign | static_cast<uint16_t>((rebased + 0xfffu + round_bit) >> 13);
}

uint16_t float_to_bfloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);  // keep NaN a NaN
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

// Storage types for the two 16-bit float formats, so the cast template can tell them apart.
struct Half { uint16_t bits; };
struct BFloat16 { uint16_t bits; };
struct Bool { uint8_t value; };

template <typename Fn>
bool visit_castable(ir::DType dtype, Fn&& fn) {
  switch (dtype) {
    case ir::DType::float16: fn(Half{}); return true;
    case ir::DType::bfloat16: fn(BFloat16{}); return true;
    case ir::DType::boolean: fn(Bool{}); return true;
    default: return visit_numeric(dtype, fn);
  }
}

// Every source reads as double (exact for all but 64-bit integers beyond 2^53), or as
// int64 when both ends are integers so large values survive.
template <typename S> double load_double(S v) {
  if constexpr (std::is_same_v<S, Half>) return half_to_float(v.bits);
  else if constexpr (std::is_same_v<S, BFloat16>) return bfloat16_to_float(v.bits);
  else if constexpr (std::is_same_v<S, Bool>) return v.value != 0 ? 1.0 : 0.0;
  else return static_cast<double>(v);
}

template <typename S, typename D>
D cast_one(S v) {
  if constexpr (std::is_same_v<D, Bool>) {
    return Bool{static_cast<uint8_t>(load_double(v) != 0.0)};
  } else if constexpr (std::is_same_v<D, Half>) {
    return Half{float_to_half(static_cast<float>(load_double(v)))};
  } else if constexpr (std::is_same_v<D, BFloat16>) {
    return BFloat16{float_to_bfloat16(static_cast<float>(load_double(v)))};
  } else if constexpr (std::is_integral_v<D> && std::is_integral_v<S>) {
    return static_cast<D>(v);  // modular, as C++20 defines it (and numpy does)
  } else {
    return clamp_to<D>(load_double(v));
  }
}

class CastKernel : public FlatKernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    from_ = input_info(graph, node, 0).dtype;
    to_ = output_info(graph, node, 0).dtype;
    bool known_from = false, known_to = false;
    visit_castable(from_, [&](auto) { known_from = true; });
    visit_castable(to_, [&](auto) { known_to = true; });
    if (!known_from || !known_to)
      unsupported(node, "cast from " + std::string(ir::dtype_name(from_)) + " to " + std::string(ir::dtype_name(to_)));
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const int64_t n = inputs[0]->element_count();
    visit_castable(from_, [&](auto source_tag) {
      using S = decltype(source_tag);
      visit_castable(to_, [&](auto dest_tag) {
        using D = decltype(dest_tag);
        const S* in = inputs[0]->as<const S>();
        D* out = outputs[0]->as<D>();
#pragma omp parallel for if (n > parallel_threshold)
        for (int64_t i = 0; i < n; ++i) out[i] = cast_one<S, D>(in[i]);
      });
    });
  }

 private:
  ir::DType from_ = ir::DType::undefined, to_ = ir::DType::undefined;
};

// Erf over float32 with Eigen's vectorised rational approximation (oneDNN has no erf
// eltwise; std::erf is scalar): exporters' GELU is x * 0.5 * (1 + Erf(x / sqrt 2)).
class ErfFloatKernel : public FlatKernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    if (input_info(graph, node, 0).dtype != ir::DType::float32) fallback_ = std::make_unique<UnaryKernel<ErfFn>>(context_);
    if (fallback_) fallback_->prepare(graph, node);
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (fallback_) {
      fallback_->run(inputs, outputs);
      return;
    }
    const float* in = inputs[0]->as<const float>();
    float* out = outputs[0]->as<float>();
    const int64_t n = inputs[0]->element_count();
    constexpr int64_t block = 4096;
    const int64_t blocks = (n + block - 1) / block;
#pragma omp parallel for if (n > parallel_threshold)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t begin = b * block, count = std::min(block, n - begin);
      Eigen::Map<Eigen::ArrayXf>(out + begin, count) = Eigen::Map<const Eigen::ArrayXf>(in + begin, count).erf();
    }
  }
  explicit ErfFloatKernel(CpuContext& context) : context_(context) {}

 private:
  CpuContext& context_;
  std::unique_ptr<Kernel> fallback_;
};

template <typename F>
std::unique_ptr<Kernel> make_unary(CpuContext& context) {
  return std::make_unique<UnaryKernel<F>>(context);
}

}  // namespace

std::unique_ptr<Kernel> make_Sqrt(CpuContext& context) { return make_unary<SqrtFn>(context); }
std::unique_ptr<Kernel> make_Exp(CpuContext& context) { return make_unary<ExpFn>(context); }
std::unique_ptr<Kernel> make_Log(CpuContext& context) { return make_unary<LogFn>(context); }
std::unique_ptr<Kernel> make_Neg(CpuContext& context) { return make_unary<NegFn>(context); }
std::unique_ptr<Kernel> make_Abs(CpuContext& context) { return make_unary<AbsFn>(context); }
std::unique_ptr<Kernel> make_Reciprocal(CpuContext& context) { return make_unary<ReciprocalFn>(context); }
std::unique_ptr<Kernel> make_Erf(CpuContext& context) { return std::make_unique<ErfFloatKernel>(context); }
std::unique_ptr<Kernel> make_Tanh(CpuContext& context) { return make_unary<TanhFn>(context); }
std::unique_ptr<Kernel> make_Sigmoid(CpuContext& context) { return make_unary<SigmoidFn>(context); }
std::unique_ptr<Kernel> make_Relu(CpuContext& context) { return make_unary<ReluFn>(context); }
std::unique_ptr<Kernel> make_LeakyRelu(CpuContext& context) { return make_unary<LeakyReluFn>(context); }
std::unique_ptr<Kernel> make_Elu(CpuContext& context) { return make_unary<EluFn>(context); }
std::unique_ptr<Kernel> make_Gelu(CpuContext& context) { return make_unary<GeluFn>(context); }
std::unique_ptr<Kernel> make_HardSigmoid(CpuContext& context) { return make_unary<HardSigmoidFn>(context); }
std::unique_ptr<Kernel> make_HardSwish(CpuContext& context) { return make_unary<HardSwishFn>(context); }
std::unique_ptr<Kernel> make_Softplus(CpuContext& context) { return make_unary<SoftplusFn>(context); }
std::unique_ptr<Kernel> make_Clip(CpuContext& context) { return std::make_unique<ClipKernel>(context); }
std::unique_ptr<Kernel> make_Not(CpuContext&) { return std::make_unique<NotKernel>(); }
std::unique_ptr<Kernel> make_Cast(CpuContext&) { return std::make_unique<CastKernel>(); }
std::unique_ptr<Kernel> make_Identity(CpuContext&) { return std::make_unique<CopyKernel>(); }
std::unique_ptr<Kernel> make_Dropout(CpuContext&) { return std::make_unique<CopyKernel>(); }

}  // namespace runtime::cpu
