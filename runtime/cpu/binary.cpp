// Two-input elementwise ops (arithmetic, comparisons, And) and Where, with numpy
// broadcasting, over tensors in either layout (each operand's strides follow its own). prepare() merges the output's dims into as few as possible, so same-shape
// and scalar operands become one long inner loop and run() needs no special cases beyond it.
#include <algorithm>
#include <cmath>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/broadcast_plan.h"
#include "runtime/cpu/kernel_util.h"

namespace runtime::cpu {

namespace {

// Rows are cut into blocks so a single long row (same-shape operands) still spreads over threads.
constexpr int64_t block_elements = 4096;

template <typename A, typename B, typename Out, typename F>
void run_binary(const Broadcast& plan, const A* a, const B* b, Out* out, F fn) {
  const int64_t blocks_per_row = (plan.inner + block_elements - 1) / block_elements;
  const int64_t jobs = plan.rows * blocks_per_row;
  const int64_t sa = plan.inner_stride(0), sb = plan.inner_stride(1);
#pragma omp parallel for if (plan.rows * plan.inner > parallel_threshold)
  for (int64_t job = 0; job < jobs; ++job) {
    const int64_t row = job / blocks_per_row;
    const int64_t begin = (job % blocks_per_row) * block_elements;
    const int64_t count = std::min(block_elements, plan.inner - begin);
    const A* pa = a + plan.offset(0, row) + begin * sa;
    const B* pb = b + plan.offset(1, row) + begin * sb;
    Out* po = out + row * plan.inner + begin;
    // Separate loops per stride pattern so the compiler vectorizes each; the general one is
    // for a plain operand under a channels-last output (its step along C is H*W, not 0 or 1).
    if (sa == 1 && sb == 1) {
      for (int64_t k = 0; k < count; ++k) po[k] = fn(pa[k], pb[k]);
    } else if (sa == 1 && sb == 0) {
      const B vb = *pb;
      for (int64_t k = 0; k < count; ++k) po[k] = fn(pa[k], vb);
    } else if (sa == 0 && sb == 1) {
      const A va = *pa;
      for (int64_t k = 0; k < count; ++k) po[k] = fn(va, pb[k]);
    } else if (sa == 0 && sb == 0) {
      const Out v = fn(*pa, *pb);
      for (int64_t k = 0; k < count; ++k) po[k] = v;
    } else {
      for (int64_t k = 0; k < count; ++k) po[k] = fn(pa[k * sa], pb[k * sb]);
    }
  }
}

// Integer arithmetic through uint64: wraps on overflow (as numpy and ONNX Runtime do)
// instead of being undefined behaviour; small types would otherwise promote to int.
template <typename T> T wrap(uint64_t v) { return static_cast<T>(v); }

template <typename T> T add(T x, T y) {
  if constexpr (std::is_integral_v<T>) return wrap<T>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
  else return x + y;
}
template <typename T> T sub(T x, T y) {
  if constexpr (std::is_integral_v<T>) return wrap<T>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
  else return x - y;
}
template <typename T> T mul(T x, T y) {
  if constexpr (std::is_integral_v<T>) return wrap<T>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
  else return x * y;
}
template <typename T> T divide(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    // Integer division truncates toward zero (ONNX); x/0 and MIN/-1 would trap, give 0 and MIN.
    if (y == 0) return T{0};
    if constexpr (std::is_signed_v<T>)
      if (y == T(-1)) return wrap<T>(uint64_t{0} - static_cast<uint64_t>(x));
    return static_cast<T>(x / y);
  } else {
    return x / y;
  }
}
template <typename T, typename E> T power(T x, E y) {
  if constexpr (std::is_same_v<T, float> && std::is_same_v<E, float>) return std::pow(x, y);
  else return clamp_to<T>(std::pow(static_cast<double>(x), static_cast<double>(y)));
}

enum class BinaryOp { add, sub, mul, div, pow, equal, less, greater, logical_and };

class BinaryKernel : public Kernel {
 public:
  explicit BinaryKernel(BinaryOp op) : op_(op) {}

  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    a_dtype_ = input_info(graph, node, 0).dtype;
    b_dtype_ = input_info(graph, node, 1).dtype;
    const bool a_numeric = visit_numeric(a_dtype_, [](auto) {});
    const bool b_numeric = visit_numeric(b_dtype_, [](auto) {});
    const bool both_bool = a_dtype_ == ir::DType::boolean && b_dtype_ == ir::DType::boolean;
    bool ok = false;
    switch (op_) {
      case BinaryOp::pow: ok = a_numeric && b_numeric; break;  // the exponent may have another type
      case BinaryOp::logical_and: ok = both_bool; break;
      case BinaryOp::equal: ok = a_dtype_ == b_dtype_ && (a_numeric || both_bool); break;
      default: ok = a_dtype_ == b_dtype_ && a_numeric; break;
    }
    if (!ok) unsupported(node, "dtypes " + std::string(ir::dtype_name(a_dtype_)) + " and " + std::string(ir::dtype_name(b_dtype_)));
    plan_ = plan_broadcast({input_info(graph, node, 0).shape, input_info(graph, node, 1).shape}, {input_layout(0), input_layout(1)},
                           output_info(graph, node, 0).shape, output_layout(0));
    // x^2 with a constant exponent (exporters' LayerNorm/variance decompositions) is a multiply,
    // far cheaper than pow().
    const ir::Tensor& exponent = input_info(graph, node, 1);
    square_ = op_ == BinaryOp::pow && a_dtype_ == ir::DType::float32 && exponent.value && exponent.value->element_count() == 1 &&
              exponent.value->to_doubles()[0] == 2.0;
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const void* a = inputs[0]->data;
    const void* b = inputs[1]->data;
    void* out = outputs[0]->data;
    if (op_ == BinaryOp::logical_and || (op_ == BinaryOp::equal && a_dtype_ == ir::DType::boolean)) {
      const bool is_and = op_ == BinaryOp::logical_and;
      run_binary(plan_, static_cast<const uint8_t*>(a), static_cast<const uint8_t*>(b), static_cast<uint8_t*>(out),
                 [is_and](uint8_t x, uint8_t y) -> uint8_t { return is_and ? (x != 0 && y != 0) : ((x != 0) == (y != 0)); });
      return;
    }
    if (op_ == BinaryOp::pow) {
      run_pow(a, b, out);
      return;
    }
    visit_numeric(a_dtype_, [&](auto tag) {
      using T = decltype(tag);
      const T* x = static_cast<const T*>(a);
      const T* y = static_cast<const T*>(b);
      T* o = static_cast<T*>(out);
      auto* flags = static_cast<uint8_t*>(out);
      switch (op_) {
        // Lambdas, not function pointers, so each op is inlined into its loop.
        case BinaryOp::add: run_binary(plan_, x, y, o, [](T p, T q) { return add(p, q); }); break;
        case BinaryOp::sub: run_binary(plan_, x, y, o, [](T p, T q) { return sub(p, q); }); break;
        case BinaryOp::mul: run_binary(plan_, x, y, o, [](T p, T q) { return mul(p, q); }); break;
        case BinaryOp::div: run_binary(plan_, x, y, o, [](T p, T q) { return divide(p, q); }); break;
        case BinaryOp::equal: run_binary(plan_, x, y, flags, [](T p, T q) -> uint8_t { return p == q; }); break;
        case BinaryOp::less: run_binary(plan_, x, y, flags, [](T p, T q) -> uint8_t { return p < q; }); break;
        case BinaryOp::greater: run_binary(plan_, x, y, flags, [](T p, T q) -> uint8_t { return p > q; }); break;
        default: break;
      }
    });
  }

 private:
  void run_pow(const void* a, const void* b, void* out) const {
    if (square_) {
      run_binary(plan_, static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out), [](float p, float) { return p * p; });
      return;
    }
    visit_numeric(a_dtype_, [&](auto base_tag) {
      using T = decltype(base_tag);
      visit_numeric(b_dtype_, [&](auto exponent_tag) {
        using E = decltype(exponent_tag);
        run_binary(plan_, static_cast<const T*>(a), static_cast<const E*>(b), static_cast<T*>(out), [](T p, E q) { return power(p, q); });
      });
    });
  }

  BinaryOp op_;
  bool square_ = false;
  ir::DType a_dtype_ = ir::DType::undefined, b_dtype_ = ir::DType::undefined;
  Broadcast plan_;
};

// Where(cond, x, y): a three-way broadcast that moves elements of any type as opaque words.
class WhereKernel : public Kernel {
 public:
  LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const override { return LayoutRule::uniform; }

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    if (input_info(graph, node, 0).dtype != ir::DType::boolean) unsupported(node, "condition must be bool");
    const ir::DType x = input_info(graph, node, 1).dtype, y = input_info(graph, node, 2).dtype;
    if (x != y) unsupported(node, "x and y differ in dtype");
    element_bytes_ = static_cast<int64_t>(ir::dtype_size_bytes(x));
    if (element_bytes_ != 1 && element_bytes_ != 2 && element_bytes_ != 4 && element_bytes_ != 8)
      unsupported(node, "dtype " + std::string(ir::dtype_name(x)));
    plan_ = plan_broadcast({input_info(graph, node, 0).shape, input_info(graph, node, 1).shape, input_info(graph, node, 2).shape},
                           {input_layout(0), input_layout(1), input_layout(2)}, output_info(graph, node, 0).shape, output_layout(0));
  }
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    switch (element_bytes_) {
      case 1: select<uint8_t>(inputs, outputs); break;
      case 2: select<uint16_t>(inputs, outputs); break;
      case 4: select<uint32_t>(inputs, outputs); break;
      default: select<uint64_t>(inputs, outputs); break;
    }
  }

 private:
  template <typename T>
  void select(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) const {
    const auto* cond = inputs[0]->as<const uint8_t>();
    const T* x = inputs[1]->as<const T>();
    const T* y = inputs[2]->as<const T>();
    T* out = outputs[0]->as<T>();
    const int64_t sc = plan_.inner_stride(0), sx = plan_.inner_stride(1), sy = plan_.inner_stride(2);
#pragma omp parallel for if (plan_.rows * plan_.inner > parallel_threshold)
    for (int64_t row = 0; row < plan_.rows; ++row) {
      const uint8_t* pc = cond + plan_.offset(0, row);
      const T* px = x + plan_.offset(1, row);
      const T* py = y + plan_.offset(2, row);
      T* po = out + row * plan_.inner;
      for (int64_t k = 0; k < plan_.inner; ++k) po[k] = pc[k * sc] != 0 ? px[k * sx] : py[k * sy];
    }
  }

  int64_t element_bytes_ = 0;
  Broadcast plan_;
};

}  // namespace

std::unique_ptr<Kernel> make_Add(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::add); }
std::unique_ptr<Kernel> make_Sub(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::sub); }
std::unique_ptr<Kernel> make_Mul(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::mul); }
std::unique_ptr<Kernel> make_Div(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::div); }
std::unique_ptr<Kernel> make_Pow(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::pow); }
std::unique_ptr<Kernel> make_Equal(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::equal); }
std::unique_ptr<Kernel> make_Less(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::less); }
std::unique_ptr<Kernel> make_Greater(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::greater); }
std::unique_ptr<Kernel> make_And(CpuContext&) { return std::make_unique<BinaryKernel>(BinaryOp::logical_and); }
std::unique_ptr<Kernel> make_Where(CpuContext&) { return std::make_unique<WhereKernel>(); }

}  // namespace runtime::cpu
