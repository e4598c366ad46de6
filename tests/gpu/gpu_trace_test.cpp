// The profiler's CUPTI trace on a real GPU: a node's kernels are found by their external
// correlation id and no other region's are counted; page-locked copies go straight through.
#include <doctest/doctest.h>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <random>
#include <vector>

#include "profiler/gpu_trace.h"
#include "runtime/cuda/cuda_device.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

// A 512x512 MatMul: one cuBLAS GEMM, long enough for its time to be well above zero.
ir::Graph matmul_graph() {
  return test::node_graph("MatMul", {test::f32({512, 512}, {}), test::f32({512, 512}, {})});
}

// The trace, or null with the reason shown (CUPTI missing on this GPU machine).
std::unique_ptr<profiler::GpuTrace> trace_or_why_not() {
  std::string why_not;
  auto trace = profiler::start_gpu_trace(why_not);
  if (!trace) MESSAGE("CUPTI unavailable here: " << why_not);
  return trace;
}

}  // namespace

TEST_CASE("CUPTI traces a region's kernels by its correlation id, and only its own") {
  auto device = runtime::cuda::create_cuda_device(0);
  auto trace = trace_or_why_not();
  if (!trace) return;
  const ir::Graph g = matmul_graph();
  runtime::Executor executor(g, *device, {.fuse = false, .channels_last = false});
  std::mt19937 rng(1);
  std::vector<runtime::Tensor> inputs;
  for (ir::TensorId t : g.inputs) {
    runtime::Tensor host = runtime::host_tensor(ir::DType::float32, g.tensor(t).shape);
    runtime::fill_random(host, rng);
    runtime::Tensor on_device = device->allocate(ir::DType::float32, g.tensor(t).shape);
    device->copy_from_host(host.data, on_device);
    inputs.push_back(std::move(on_device));
  }
  profiler::TracedActivity first, untraced;
  device->execute([&] {
    {
      const profiler::TraceRegion region(*trace, 1001);
      auto outputs = executor.run(inputs);
    }
    for (int i = 0; i < 5; ++i) auto more = executor.run(inputs);  // outside any region: not 1001's
  });
  device->execute([&] { first = trace->collect(1001); });
  CHECK(first.kernel_us > 0);
  REQUIRE_FALSE(first.by_name.empty());
  int calls = 0;
  for (const auto& [name, entry] : first.by_name) {
    CHECK_FALSE(name.empty());
    calls += entry.calls;
  }
  CHECK(calls >= 1);
  CHECK(calls <= 3);  // one GEMM (maybe a split-K reduction or a memset), not the 5 untraced runs' too
  device->execute([&] { untraced = trace->collect(1002); });
  CHECK(untraced.by_name.empty());
  CHECK(trace->dropped_records() == 0);
}

TEST_CASE("page-locked memory goes to the GPU in one copy, pageable memory through staging chunks") {
  auto device = runtime::cuda::create_cuda_device(0);
  auto trace = trace_or_why_not();
  if (!trace) return;
  const size_t bytes = size_t{20} << 20;  // 2.5 staging chunks
  std::shared_ptr<void> pinned = device->allocate_host(bytes);
  std::vector<char> pageable(bytes, 1);
  runtime::Tensor t = device->allocate(ir::DType::uint8, {static_cast<int64_t>(bytes)});
  auto copies_of = [&](const void* src, uint64_t id) {
    profiler::TracedActivity a;
    device->execute([&] {
      {
        const profiler::TraceRegion region(*trace, id);
        device->copy_from_host(src, t);
      }
      cudaDeviceSynchronize();
      a = trace->collect(id);
    });
    return a.by_name.count("[memcpy HtoD]") ? a.by_name.at("[memcpy HtoD]").calls : 0;
  };
  CHECK(copies_of(pinned.get(), 2001) == 1);
  CHECK(copies_of(pageable.data(), 2002) >= 3);
}

TEST_CASE("page-locked host memory is copied to the GPU and back unchanged") {
  auto device = runtime::cuda::create_cuda_device(0);
  const size_t n = (size_t{5} << 20) + 3;
  std::shared_ptr<void> pinned = device->allocate_host(n * sizeof(float));
  REQUIRE(pinned != nullptr);
  auto* values = static_cast<float*>(pinned.get());
  for (size_t i = 0; i < n; ++i) values[i] = static_cast<float>(i % 1000) * 0.25f;
  const std::vector<float> expected(values, values + n);
  runtime::Tensor t = device->allocate(ir::DType::float32, {static_cast<int64_t>(n)});
  device->copy_from_host(values, t);
  std::fill(values, values + n, -1.0f);  // the copy is complete once copy_from_host returns
  device->copy_to_host(t, values);
  CHECK(std::equal(expected.begin(), expected.end(), values));
}
