#pragma once
// oneDNN's eltwise algorithm (and its alpha, beta) for the float32 activations it implements,
// shared by the eltwise kernels (unary.cpp) and the post-ops fused into convolutions.
#include <dnnl.hpp>
#include <limits>
#include <optional>

#include "runtime/cpu/kernel_util.h"

namespace runtime::cpu {

struct EltwiseSpec {
  dnnl::algorithm algorithm;
  float alpha = 0.0f, beta = 0.0f;
};

// The oneDNN eltwise equivalent of a float32 node, if any. `graph` gives Clip's constant bounds.
inline std::optional<EltwiseSpec> eltwise_spec(const ir::Graph& graph, const ir::Node& node) {
  using A = dnnl::algorithm;
  switch (node.op) {
    case ir::OpKind::Clip: {
      const auto low = clip_bound(graph, node, 1, "min", -std::numeric_limits<float>::infinity());
      const auto high = clip_bound(graph, node, 2, "max", std::numeric_limits<float>::infinity());
      // clip_v2 is max(low, min(high, x)) only when low <= high (ONNX then gives high).
      if (!low || !high || !(*low <= *high)) return std::nullopt;
      return EltwiseSpec{A::eltwise_clip_v2, *low, *high};
    }
    case ir::OpKind::Sigmoid: return EltwiseSpec{A::eltwise_logistic};
    case ir::OpKind::Tanh: return EltwiseSpec{A::eltwise_tanh};
    case ir::OpKind::Exp: return EltwiseSpec{A::eltwise_exp};
    case ir::OpKind::Log: return EltwiseSpec{A::eltwise_log};
    case ir::OpKind::Sqrt: return EltwiseSpec{A::eltwise_sqrt};
    case ir::OpKind::Abs: return EltwiseSpec{A::eltwise_abs};
    case ir::OpKind::Relu: return EltwiseSpec{A::eltwise_relu, 0.0f};
    case ir::OpKind::LeakyRelu: return EltwiseSpec{A::eltwise_relu, attr_float(node, "alpha", 0.01f)};
    case ir::OpKind::Elu: return EltwiseSpec{A::eltwise_elu, attr_float(node, "alpha", 1.0f)};
    case ir::OpKind::HardSwish: return EltwiseSpec{A::eltwise_hardswish};
    case ir::OpKind::Softplus: return EltwiseSpec{A::eltwise_soft_relu};
    case ir::OpKind::Neg: return EltwiseSpec{A::eltwise_linear, -1.0f, 0.0f};
    case ir::OpKind::Gelu:
      return EltwiseSpec{attr_string(node, "approximate", "none") == "tanh" ? A::eltwise_gelu_tanh : A::eltwise_gelu_erf};
    default: return std::nullopt;
  }
}

}  // namespace runtime::cpu
