#pragma once
// What a CPU kernel gets from its device: the oneDNN engine and stream, and the number of
// threads the device owns (kernels never use more).
#include <dnnl.hpp>

namespace runtime::cpu {

struct CpuContext {
  dnnl::engine engine;
  dnnl::stream stream;
  int threads = 1;
};

}  // namespace runtime::cpu
