// The CUDA device on a real GPU: copies both ways, memory accounting against the driver's own
// figures, discovery.
#include <doctest/doctest.h>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <vector>

#include "runtime/cuda/cuda_device.h"

TEST_CASE("the CUDA device names its GPU") {
  auto device = runtime::cuda::create_cuda_device(0);
  CHECK(device->kind() == runtime::DeviceKind::cuda);
  CHECK(device->name() == "cuda0");
  CHECK(device->description().find("cuda:0 ") == 0);
  CHECK(device->description().find("SMs") != std::string::npos);
  CHECK_FALSE(device->host_accessible());
}

TEST_CASE("a tensor copied to the GPU and back is unchanged") {
  auto device = runtime::cuda::create_cuda_device(0);
  const int64_t n = 3 * (1 << 20) + 17;  // not a multiple of anything convenient
  std::vector<float> in(static_cast<size_t>(n)), out(static_cast<size_t>(n), -1.0f);
  for (int64_t i = 0; i < n; ++i) in[static_cast<size_t>(i)] = static_cast<float>((i * 7919) % 10007) * 0.5f - 7.0f;
  runtime::Tensor t = device->allocate(ir::DType::float32, {n}, runtime::Layout::plain);
  device->copy_from_host(in.data(), t);
  device->copy_to_host(t, out.data());
  CHECK(out == in);
}

TEST_CASE("the device's peak bytes are what it took from the driver, and released blocks are reused") {
  auto device = runtime::cuda::create_cuda_device(0);
  size_t free_before = 0, total = 0;
  REQUIRE(cudaMemGetInfo(&free_before, &total) == cudaSuccess);
  const int64_t mib64 = int64_t{64} << 20;
  {
    auto a = device->allocate(ir::DType::float32, {mib64 / 4}, runtime::Layout::plain);
    auto b = device->allocate(ir::DType::float32, {mib64 / 4}, runtime::Layout::plain);
    CHECK(device->memory().live_bytes == 2 * mib64);
    size_t free_during = 0;
    REQUIRE(cudaMemGetInfo(&free_during, &total) == cudaSuccess);
    // The driver rounds allocations up (to 2 MiB pages): at least what was asked, not much more.
    const auto taken = static_cast<int64_t>(free_before) - static_cast<int64_t>(free_during);
    CHECK(taken >= 2 * mib64);
    CHECK(taken <= 2 * mib64 + (int64_t{8} << 20));
  }
  CHECK(device->memory().live_bytes == 0);
  CHECK(device->memory().peak_bytes == 2 * mib64);
  const int64_t allocations = device->memory().allocations;
  auto c = device->allocate(ir::DType::float32, {mib64 / 4}, runtime::Layout::plain);
  CHECK(device->memory().allocations == allocations);  // a cached block, no cudaMalloc
}

TEST_CASE("copies through the pinned staging chunks keep every byte, whatever the size") {
  auto device = runtime::cuda::create_cuda_device(0);
  const int64_t chunk = 8 << 20;
  for (int64_t bytes : {int64_t{1}, int64_t{4095}, chunk, chunk + 1, 2 * chunk + 12345}) {
    CAPTURE(bytes);
    std::vector<uint8_t> out(static_cast<size_t>(bytes));
    runtime::Tensor t = device->allocate(ir::DType::uint8, {bytes}, runtime::Layout::plain);
    {
      // The source goes away as soon as copy_from_host returns: the copy must not read it later.
      std::vector<uint8_t> in(static_cast<size_t>(bytes));
      for (int64_t i = 0; i < bytes; ++i) in[static_cast<size_t>(i)] = static_cast<uint8_t>((i * 131 + 7) % 251);
      device->copy_from_host(in.data(), t);
      std::fill(in.begin(), in.end(), uint8_t{0});
    }
    device->copy_to_host(t, out.data());
    bool same = true;
    for (int64_t i = 0; i < bytes && same; ++i) same = out[static_cast<size_t>(i)] == static_cast<uint8_t>((i * 131 + 7) % 251);
    CHECK(same);
  }
}
