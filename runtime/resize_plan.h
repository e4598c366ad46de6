#pragma once
// Resize (opset 11-21) as separable passes, one per resized axis: per output index along the
// axis, the taps (source index, weight) to read, as ONNX's reference computes them for
// nearest, linear and cubic, every coordinate transformation mode, antialias and
// exclude_outside. Every device's kernel runs the same taps.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/kernel_util.h"

namespace runtime {

// One axis's interpolation: output index j reads taps [j*width, (j+1)*width).
struct AxisTaps {
  size_t dim = 0;
  int64_t in_len = 0, out_len = 0, width = 1;
  std::vector<int64_t> index;  // clamped to [0, in_len)
  std::vector<float> weight;   // unused for nearest (width 1, weight 1)
  std::vector<uint8_t> extrapolate;  // tf_crop_and_resize: 1 where the source lies outside the input
};

struct ResizePlan {
  ir::DType dtype = ir::DType::undefined;
  bool nearest = true;  // nearest moves elements of any dtype; linear and cubic weigh float32/float64
  std::vector<int64_t> in_shape, out_shape;
  std::vector<AxisTaps> passes;  // identity axes left out; none: the output is the input
  uint64_t extrapolation_bits = 0;  // tf_crop_and_resize's value, in the element type (low bytes)
  int64_t largest_intermediate = 0;  // elements of the largest result between passes
};

// Refuses (ir::Error unsupported, naming the node) what it cannot plan: a run-time scales,
// sizes or roi, unknown modes, opset < 11.
ResizePlan resize_plan(const ir::Graph& graph, const ir::Node& node);

// Elements before and after a pass's axis: the pass walks (outer, output position, inner).
std::pair<int64_t, int64_t> blocks_around(const AxisTaps& t, const std::vector<int64_t>& in_shape);

}  // namespace runtime
