#pragma once
// How an activation's elements lie in memory. ONNX tensors are row-major over their logical
// dims (N, C, spatial...); convolution kernels run fastest channels-last (N, spatial..., C),
// so the executor may keep the activations between such kernels channels-last instead of
// converting on every call. `Tensor::shape` is always the logical shape.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace runtime {

enum class Layout : uint8_t {
  plain,          // row-major over the logical dims (what ONNX and every file means)
  channels_last,  // dim 1 (channels) innermost: N, spatial..., C
};

// What a kernel does with the layouts of its activations (asked before prepare()).
enum class LayoutRule : uint8_t {
  plain_only,  // every activation plain (most kernels)
  any,         // input 0 and output 0 each in either layout, independently (convolution)
  uniform,     // either layout, the same for all its activations of the output's rank
               // (elementwise ops, pooling, batch norm, channel concat)
};

// Element strides of each logical dim of `shape` stored in `layout`.
inline std::vector<int64_t> layout_strides(const std::vector<int64_t>& shape, Layout layout) {
  std::vector<int64_t> strides(shape.size(), 1);
  if (layout == Layout::plain || shape.size() < 3) {
    for (std::size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
    return strides;
  }
  // Channels innermost, then the spatial dims right to left, then the batch.
  int64_t stride = shape[1];
  for (std::size_t i = shape.size(); i-- > 2;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  strides[1] = 1;
  strides[0] = stride;
  return strides;
}

// True when the tensor's bytes are the same in both layouts (one channel, or a single
// spatial position as after global pooling), so either reading is right.
inline bool layout_invariant(const std::vector<int64_t>& shape) {
  if (shape.size() < 3 || shape[1] == 1) return true;
  int64_t spatial = 1;
  for (std::size_t i = 2; i < shape.size(); ++i) spatial *= shape[i];
  return spatial == 1 || shape[0] * spatial == 0;
}

}  // namespace runtime
