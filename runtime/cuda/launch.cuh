#pragma once
// Thread-to-element mapping shared by the .cu files (device code only).
#include <cstdint>

#include "runtime/cuda/device_math.cuh"

// A grid-stride loop: every element is visited once whatever the grid's size.
#define PARTPLAN_GRID_STRIDE(i, n) \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += static_cast<int64_t>(gridDim.x) * blockDim.x)

namespace runtime::cuda {

inline unsigned grid_for(int64_t elements) { return static_cast<unsigned>(blocks_for(elements)); }

inline constexpr int warp_size = 32;

// The sum / max of a value over the 32 lanes of a warp, returned to every lane.
__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = warp_size / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int offset = warp_size / 2; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}
__device__ __forceinline__ float warp_min(float v) {
  for (int offset = warp_size / 2; offset > 0; offset /= 2) v = fminf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

}  // namespace runtime::cuda
