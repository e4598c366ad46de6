// What each part of partplan's CUPTI tracing costs per timed repetition (issue 5's profiling
// overhead on a GPU). One small kernel is launched per repetition between two CUDA events, as
// the profiler times a node, under each tracing setup in turn:
//   off         CUPTI untouched
//   kernels     CONCURRENT_KERNEL records, flushed once at the end
//   +flush      kernels, and a forced flush after each repetition (as the profiler collects)
//   +api        kernels with RUNTIME, DRIVER and EXTERNAL_CORRELATION records and an external
//               id pushed around each repetition, flushed once at the end
//   profiler    +api with a forced flush after each repetition: what partplan does
// Printed per setup: the median host time of a repetition (launch to synchronised), the median
// event span, and the ratio to `off`. Build: with CUDA on (target cupti_overhead); run on a GPU.
#include <cuda_runtime.h>
#include <cupti.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "cupti_overhead: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}

void check_cupti(CUptiResult r, const char* what) {
  if (r != CUPTI_SUCCESS) {
    const char* text = nullptr;
    cuptiGetResultString(r, &text);
    std::fprintf(stderr, "cupti_overhead: %s: %s\n", what, text != nullptr ? text : "?");
    std::exit(1);
  }
}

__global__ void scale(float* x, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] = x[i] * 1.0001f + 0.5f;
}

constexpr size_t buffer_bytes = size_t{4} << 20;
long records_seen = 0;

void CUPTIAPI requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, buffer_bytes));
  *size = buffer_bytes;
  *max_records = 0;
}

void CUPTIAPI completed(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  CUpti_Activity* record = nullptr;
  while (cuptiActivityGetNextRecord(buffer, valid, &record) == CUPTI_SUCCESS) ++records_seen;
  std::free(buffer);
}

struct Setup {
  const char* name;
  bool kernels, api, flush_each;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 300;
  const int n = 1 << 20;
  float* x = nullptr;
  check_cuda(cudaMalloc(&x, n * sizeof(float)), "cudaMalloc");
  check_cuda(cudaMemset(x, 0x3f, n * sizeof(float)), "cudaMemset");
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "event");
  check_cuda(cudaEventCreate(&stop), "event");
  check_cupti(cuptiActivityRegisterCallbacks(requested, completed), "register callbacks");

  const Setup setups[] = {{"off", false, false, false},
                          {"kernels", true, false, false},
                          {"+flush", true, false, true},
                          {"+api", true, true, false},
                          {"profiler", true, true, true}};
  const CUpti_ActivityKind api_kinds[] = {CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_ACTIVITY_KIND_DRIVER, CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION};
  double off_host = 0;
  std::printf("%-10s %12s %12s %8s %10s\n", "setup", "host us", "span us", "ratio", "records");
  // Two passes: the first warms every path up (module load, CUPTI's own initialisation).
  for (int pass = 0; pass < 2; ++pass) {
    for (const Setup& s : setups) {
      if (s.kernels) check_cupti(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), "enable kernels");
      if (s.api)
        for (CUpti_ActivityKind k : api_kinds) check_cupti(cuptiActivityEnable(k), "enable api");
      records_seen = 0;
      std::vector<double> host, span;
      for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        if (s.api) check_cupti(cuptiActivityPushExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, r + 1), "push");
        check_cuda(cudaEventRecord(start), "record");
        scale<<<(n + 255) / 256, 256>>>(x, n);
        check_cuda(cudaGetLastError(), "launch");
        check_cuda(cudaEventRecord(stop), "record");
        if (s.api) check_cupti(cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, nullptr), "pop");
        check_cuda(cudaEventSynchronize(stop), "sync");
        if (s.flush_each) check_cupti(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED), "flush");
        host.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        float ms = 0;
        check_cuda(cudaEventElapsedTime(&ms, start, stop), "elapsed");
        span.push_back(ms * 1000.0);
      }
      if (s.kernels) check_cupti(cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), "disable");
      if (s.api)
        for (CUpti_ActivityKind k : api_kinds) check_cupti(cuptiActivityDisable(k), "disable");
      check_cupti(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED), "flush");
      if (pass == 0) continue;
      const double h = median(host);
      if (!s.kernels) off_host = h;
      std::printf("%-10s %12.1f %12.1f %7.2fx %10ld\n", s.name, h, median(span), off_host > 0 ? h / off_host : 0.0, records_seen);
    }
  }
  return 0;
}
