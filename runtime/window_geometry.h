#pragma once
// The windows of Conv, ConvTranspose and the pooling ops — strides, dilations and the padding
// at each end, auto_pad resolved — worked out once from the node and its resolved shapes, for
// every device's kernels (the CPU's oneDNN primitives and the GPU's cuDNN and pooling kernels).
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/kernel_util.h"

namespace runtime {

// An ints attribute of `count` entries, or `count` copies of fallback when absent; refuses
// another length naming the node.
std::vector<int64_t> ints_or(const ir::Node& node, const std::string& name, size_t count, int64_t fallback);

struct PoolGeometry {
  std::vector<int64_t> kernel, strides, dilations;
  std::vector<int64_t> pads;          // as given (begin..., end...)
  std::vector<int64_t> pad_l, pad_r;  // what the windows see; pad_r includes a ceil_mode overhang
  std::vector<int64_t> counted_pad_r;  // the end padding count_include_pad counts (never the overhang)
  std::string auto_pad;
  bool count_include_pad = false;
  bool overhang = false;  // a ceil_mode window runs past the given end padding
};
// x and y are NC + spatial dims.
PoolGeometry pool_geometry(const ir::Node& node, const std::vector<int64_t>& x, const std::vector<int64_t>& y);

struct ConvGeometry {
  std::vector<int64_t> kernel, strides, dilations, pad_l, pad_r;
  int64_t group = 1;
};
// x, w, y as ONNX gives them; for ConvTranspose the pads are those of the equivalent
// convolution's gradient (pad_r may be negative: output_padding).
ConvGeometry conv_geometry(const ir::Node& node, const std::vector<int64_t>& x, const std::vector<int64_t>& w, const std::vector<int64_t>& y,
                           bool transpose);

}  // namespace runtime
