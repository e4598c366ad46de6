#pragma once
// An inference BatchNormalization with constant parameters is y = x * scale[c] + shift[c];
// kernels fold it into a convolution's weights or run it as that affine map.
#include <cmath>
#include <optional>
#include <vector>

#include "runtime/kernel_util.h"

namespace runtime {

struct ChannelAffine {
  std::vector<float> scale, shift;
};

// Empty when the node trains or a parameter is computed at run time or not float32.
inline std::optional<ChannelAffine> batch_norm_affine(const ir::Graph& graph, const ir::Node& bn) {
  if (attr_int(bn, "training_mode", 0) != 0 || bn.inputs.size() < 5 || bn.has_output(1) || bn.has_output(2)) return std::nullopt;
  std::vector<std::vector<double>> params;
  for (size_t i = 1; i < 5; ++i) {
    if (!bn.has_input(i)) return std::nullopt;
    const ir::Tensor& t = graph.tensor(bn.inputs[i]);
    if (!t.value || t.dtype != ir::DType::float32) return std::nullopt;
    params.push_back(t.value->to_doubles());
  }
  const double epsilon = attr_float(bn, "epsilon", 1e-5f);
  const size_t channels = params[0].size();
  for (const auto& p : params)
    if (p.size() != channels) return std::nullopt;
  ChannelAffine affine;
  affine.scale.resize(channels);
  affine.shift.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    const double gain = params[0][c] / std::sqrt(params[3][c] + epsilon);
    affine.scale[c] = static_cast<float>(gain);
    affine.shift[c] = static_cast<float>(params[1][c] - params[2][c] * gain);
  }
  return affine;
}

}  // namespace runtime
