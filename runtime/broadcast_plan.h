#pragma once
// Numpy broadcasting of several operands into one output, planned once per node and shared by
// every device's elementwise kernels: dims merged as far as every operand allows, so same-shape
// and scalar operands become one long row.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "runtime/kernel_util.h"

namespace runtime {

// The output split into rows of `inner` elements; each input advances by 0 or 1 element
// along a row (broadcast or not) and starts each row at an offset given by `strides`.
struct Broadcast {
  std::vector<int64_t> dims;                  // merged output dims; the last is the row
  std::vector<std::vector<int64_t>> strides;  // per input, per merged dim (0 = broadcast)
  int64_t rows = 1;
  int64_t inner = 1;

  int64_t offset(size_t input, int64_t row) const {
    int64_t result = 0;
    for (size_t d = dims.size() - 1; d-- > 0;) {
      result += (row % dims[d]) * strides[input][d];
      row /= dims[d];
    }
    return result;
  }
  int64_t inner_stride(size_t input) const { return strides[input].back(); }
};

// Inputs and output each held in their layout (the output's decides the order of iteration:
// it is written contiguously).
inline Broadcast plan_broadcast(const std::vector<std::vector<int64_t>>& input_shapes, const std::vector<Layout>& input_layouts,
                         const std::vector<int64_t>& logical_out_shape, Layout out_layout) {
  const auto order = memory_order(logical_out_shape.size(), out_layout);
  std::vector<int64_t> out_shape;
  for (size_t d : order) out_shape.push_back(logical_out_shape[d]);
  std::vector<std::vector<int64_t>> full;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    const auto logical = broadcast_strides(input_shapes[i], logical_out_shape, input_layouts[i]);
    std::vector<int64_t> strides;
    for (size_t d : order) strides.push_back(logical[d]);
    full.push_back(std::move(strides));
  }
  Broadcast plan;
  plan.strides.resize(input_shapes.size());
  for (size_t d = 0; d < out_shape.size(); ++d) {
    if (out_shape[d] == 1) continue;
    // Merge with the previous dim when every input is contiguous (or broadcast) across both.
    bool mergeable = !plan.dims.empty();
    for (size_t i = 0; i < full.size() && mergeable; ++i) mergeable = plan.strides[i].back() == full[i][d] * out_shape[d];
    if (mergeable) {
      plan.dims.back() *= out_shape[d];
      for (size_t i = 0; i < full.size(); ++i) plan.strides[i].back() = full[i][d];
    } else {
      plan.dims.push_back(out_shape[d]);
      for (size_t i = 0; i < full.size(); ++i) plan.strides[i].push_back(full[i][d]);
    }
  }
  if (plan.dims.empty()) {  // a single element
    plan.dims = {1};
    for (auto& s : plan.strides) s = {1};
  }
  plan.inner = plan.dims.back();
  plan.rows = element_count(out_shape) / std::max<int64_t>(plan.inner, 1);
  if (element_count(out_shape) == 0) plan.rows = 0;
  return plan;
}

}  // namespace runtime
