#pragma once
// Launchers of the data-movement kernels (movement.cu). Elements are moved as opaque words of
// element_bytes (1, 2, 4 or 8), so one kernel serves every dtype. C++17.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "runtime/cuda/device_math.cuh"

namespace runtime::cuda {

// out[i] = in[strided_offset(in_index, i)] for n elements: Transpose, Slice, Expand, Tile.
void launch_strided_copy(int element_bytes, const void* in, const StridedIndex& in_index, void* out, int64_t n, cudaStream_t stream);

// Gather along one axis: data [outer, axis_dim, inner], indices (int32 or int64, negative
// counts from the end) -> out [outer, index_count, inner]. An index out of range writes zeros
// (the CPU kernel reports it; a GPU kernel cannot throw).
void launch_gather(int element_bytes, const void* data, const void* indices, bool indices_int32, void* out, int64_t outer,
                   int64_t axis_dim, int64_t index_count, int64_t inner, cudaStream_t stream);

// Pad by tables: for output dim d, tables[table_offsets[d] + o] is the input index position o
// reads, or -1 for the fill value (its bits in fill_bits). dims are the output's, strides the
// input's, both in memory order.
struct PadIndex {
  int rank = 0;
  int64_t out_dims[max_rank] = {};
  int64_t in_strides[max_rank] = {};
  int64_t table_offsets[max_rank] = {};
};
void launch_pad(int element_bytes, const void* in, void* out, const PadIndex& index, const int64_t* tables, uint64_t fill_bits, int64_t n,
                cudaStream_t stream);

// One Resize pass along an axis (runtime/resize_plan.h's AxisTaps, uploaded): the input is
// [outer, in_len, inner], the output [outer, out_len, inner]; output position j reads taps
// index[j*width .. (j+1)*width) with weights (linear/cubic, float32) or the one index (nearest,
// any element), or the extrapolation value where extrapolate[j].
struct ResizePass {
  int64_t outer = 1, in_len = 1, out_len = 1, inner = 1, width = 1;
  const int64_t* index = nullptr;
  const float* weight = nullptr;
  const uint8_t* extrapolate = nullptr;
};
void launch_resize_nearest(int element_bytes, const void* src, void* dst, const ResizePass& pass, uint64_t extrapolation_bits,
                           cudaStream_t stream);
void launch_resize_weighted(const float* src, float* dst, const ResizePass& pass, float extrapolation, cudaStream_t stream);

}  // namespace runtime::cuda
