#pragma once
// A pooling node's windows (runtime/window_geometry.h) as the CUDA pooling kernel's parameters.
// Host code with no CUDA dependency, so the CPU-side tests check it with pool_output.
#include "runtime/cuda/device_math.cuh"
#include "runtime/window_geometry.h"

namespace runtime::cuda {

// x and y are NC + 1-3 spatial dims; missing dims lead, as size 1 with a window of 1.
inline PoolParams pool_params(const PoolGeometry& g, const std::vector<int64_t>& x, const std::vector<int64_t>& y, bool max) {
  PoolParams params;
  params.max = max;
  params.count_include_pad = g.count_include_pad;
  const size_t n = x.size() - 2;
  const size_t lead = 3 - n;
  for (size_t i = 0; i < n; ++i) {
    params.in_dims[lead + i] = x[i + 2];
    params.out_dims[lead + i] = y[i + 2];
    params.kernel[lead + i] = g.kernel[i];
    params.strides[lead + i] = g.strides[i];
    params.dilations[lead + i] = g.dilations[i];
    params.pads_begin[lead + i] = g.pad_l[i];
    params.pads_end[lead + i] = g.counted_pad_r[i];
  }
  return params;
}

}  // namespace runtime::cuda
