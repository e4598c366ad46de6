#pragma once
// Where each output element of a data-movement op comes from, worked out once from the node
// and its resolved shapes. Every device's kernel for Slice, Transpose, Expand, Tile, Split,
// Concat, Gather and Pad runs one of these plans, so the CPU kernel (the oracle) and the GPU
// kernel cannot disagree about the indexing, only about moving bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/kernel_util.h"

namespace runtime {

// Bytes per element of an op that moves elements without looking at them (1, 2, 4 or 8);
// refuses any other dtype naming the node.
int64_t movable_element_bytes(const ir::Node& node, ir::DType dtype);
// A constant integer input (starts, axes, pads...); refuses the node when it is computed at run time.
std::vector<int64_t> constant_ints(const ir::Graph& graph, const ir::Node& node, size_t i, const std::string& role);
int64_t product(const std::vector<int64_t>& dims, size_t begin, size_t end);

// Slice, Transpose, Expand and Tile as strided copies of their input (plain layout).
StridedCopy slice_copy(const ir::Graph& graph, const ir::Node& node);
StridedCopy transpose_copy(const ir::Graph& graph, const ir::Node& node);
StridedCopy repeat_copy(const ir::Graph& graph, const ir::Node& node);  // Expand or Tile

// Split and Concat: the joined tensor is `outer` rows, each holding every part's block of
// part_bytes side by side (in memory order under `layout`).
struct AxisParts {
  int64_t outer = 1;
  int64_t row_bytes = 0;
  std::vector<int64_t> part_bytes, part_offset_bytes;
};
AxisParts split_parts(const ir::Graph& graph, const ir::Node& node, Layout layout);
AxisParts concat_parts(const ir::Graph& graph, const ir::Node& node, Layout layout);

// Gather along one axis: data is [outer, axis_dim, inner]; out is [outer, index_count, inner].
struct GatherPlan {
  int64_t outer = 1, axis_dim = 1, inner = 1, index_count = 0, element_bytes = 0;
  bool indices_int32 = false;
};
GatherPlan gather_plan(const ir::Graph& graph, const ir::Node& node);

// Pad: per output dim (in memory order under `layout`), the input index each position reads,
// or -1 for the fill value. Tables make every mode (and negative pads, which crop) one loop.
struct PadPlan {
  std::vector<int64_t> in_shape, out_shape, in_strides;  // in memory order
  std::vector<std::vector<int64_t>> source_index;
  int64_t element_bytes = 0;
  std::string attr_fill;  // the fill value's bytes before opset 11 (an attribute); else empty
};
PadPlan pad_plan(const ir::Graph& graph, const ir::Node& node, Layout layout);

}  // namespace runtime
