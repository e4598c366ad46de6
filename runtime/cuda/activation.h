#pragma once
// The CUDA activation (device_math.cuh) a float32 node computes, if it is one: for the unary
// kernels and for the activations fused after Conv, MatMul, Gemm, BatchNormalization and
// binary ops. `graph` gives Clip's constant bounds. A pair Sigmoid -> Mul(x, sigmoid(x)) is swish.
#include <limits>
#include <optional>
#include <vector>

#include "runtime/cuda/device_math.cuh"
#include "runtime/kernel_util.h"

namespace runtime::cuda {

inline std::optional<ActivationSpec> activation_of(const ir::Graph& graph, const ir::Node& node) {
  using A = Activation;
  switch (node.op) {
    case ir::OpKind::Clip: {
      const auto low = clip_bound(graph, node, 1, "min", -std::numeric_limits<float>::infinity());
      const auto high = clip_bound(graph, node, 2, "max", std::numeric_limits<float>::infinity());
      if (!low || !high || !(*low <= *high)) return std::nullopt;  // ONNX gives `high` then: not a clamp
      return ActivationSpec{A::clip, *low, *high};
    }
    case ir::OpKind::Relu: return ActivationSpec{A::relu};
    case ir::OpKind::LeakyRelu: return ActivationSpec{A::leaky_relu, attr_float(node, "alpha", 0.01f)};
    case ir::OpKind::Elu: return ActivationSpec{A::elu, attr_float(node, "alpha", 1.0f)};
    case ir::OpKind::Sigmoid: return ActivationSpec{A::sigmoid};
    case ir::OpKind::Tanh: return ActivationSpec{A::tanh};
    case ir::OpKind::HardSigmoid: return ActivationSpec{A::hard_sigmoid, attr_float(node, "alpha", 0.2f), attr_float(node, "beta", 0.5f)};
    case ir::OpKind::HardSwish: return ActivationSpec{A::hard_swish};
    case ir::OpKind::Softplus: return ActivationSpec{A::softplus};
    case ir::OpKind::Gelu: return ActivationSpec{attr_string(node, "approximate", "none") == "tanh" ? A::gelu_tanh : A::gelu_erf};
    case ir::OpKind::Exp: return ActivationSpec{A::exp};
    case ir::OpKind::Log: return ActivationSpec{A::log};
    case ir::OpKind::Sqrt: return ActivationSpec{A::sqrt};
    case ir::OpKind::Abs: return ActivationSpec{A::abs};
    case ir::OpKind::Neg: return ActivationSpec{A::neg};
    case ir::OpKind::Reciprocal: return ActivationSpec{A::reciprocal};
    case ir::OpKind::Erf: return ActivationSpec{A::erf};
    default: return std::nullopt;
  }
}

// What fuse_next offers, as one activation: a single activation node, or Sigmoid then Mul (swish).
inline std::optional<ActivationSpec> fusable_activation(const ir::Graph& graph, const std::vector<const ir::Node*>& next) {
  if (next.size() == 2)
    return next[0]->op == ir::OpKind::Sigmoid && next[1]->op == ir::OpKind::Mul ? std::optional(ActivationSpec{Activation::swish})
                                                                                   : std::nullopt;
  if (next.size() != 1 || graph.tensor(next[0]->outputs.at(0)).dtype != ir::DType::float32) return std::nullopt;
  return activation_of(graph, *next[0]);
}

// For fuse_next: takes the offered activation into `act` when `act` is still none.
inline bool absorb_activation(const ir::Graph& graph, const std::vector<const ir::Node*>& next, ActivationSpec& act) {
  if (act.op != Activation::none) return false;
  const auto offered = fusable_activation(graph, next);
  if (!offered) return false;
  act = *offered;
  return true;
}

}  // namespace runtime::cuda
