#pragma once
// oneDNN's eltwise algorithm (and its alpha, beta) for the float32 activations it implements,
// shared by the eltwise kernels (unary.cpp) and the post-ops fused into convolutions.
#include <dnnl.hpp>
#include <optional>

#include "runtime/cpu/kernel_util.h"

namespace runtime::cpu {

struct EltwiseSpec {
  dnnl::algorithm algorithm;
  float alpha = 0.0f, beta = 0.0f;
};

inline std::optional<EltwiseSpec> eltwise_spec(const ir::Node& node) {
  using A = dnnl::algorithm;
  switch (node.op) {
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
