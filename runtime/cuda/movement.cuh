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

}  // namespace runtime::cuda
