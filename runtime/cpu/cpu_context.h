#pragma once
// What a CPU kernel gets from its device: the oneDNN engine and stream, and the number of
// threads the device owns (kernels never use more).
#include <dnnl.hpp>
#include <vector>

namespace runtime::cpu {

struct CpuContext {
  dnnl::engine engine;
  dnnl::stream stream;
  int threads = 1;
  // Scratch for kernels that reorder activations into oneDNN's blocked layouts around a
  // primitive (Conv). One pair per device, grown in prepare() to the largest need and used
  // only from the device's worker thread, so it costs the largest layer, not every layer.
  std::vector<float> blocked_src, blocked_dst;
};

}  // namespace runtime::cpu
