#include <doctest/doctest.h>

#include "ir/error.h"
#include "runtime/device_spec.h"
#include "tests/runtime/cpu/kernel_test_util.h"

TEST_CASE("device lists parse and malformed ones name the flag") {
  auto specs = runtime::parse_device_list("cpu:threads=1,cpu:threads=1", "--devices");
  REQUIRE(specs.size() == 2);
  CHECK(specs[0].threads == 1);
  CHECK(runtime::parse_device_list("cpu", "--device")[0].threads == 1);
  CHECK(runtime::parse_device_list("cuda:1", "--device")[0].index == 1);
  CHECK_THROWS_AS(runtime::parse_device_list("cpu:threads=0", "--device"), ir::Error);
  CHECK_THROWS_AS(runtime::parse_device_list("tpu", "--device"), ir::Error);
  CHECK_THROWS_AS(runtime::parse_device_list("cpu:cores=2", "--device"), ir::Error);
}

TEST_CASE("two CPU devices run side by side, each on its own worker") {
  auto devices = runtime::create_devices(runtime::parse_device_list("cpu:threads=1,cpu:threads=1", "--devices"));
  REQUIRE(devices.size() == 2);
  CHECK(devices[0]->name() == "cpu0");
  CHECK(devices[1]->name() == "cpu1");
  std::thread::id first, second;
  devices[0]->execute([&] { first = std::this_thread::get_id(); });
  devices[1]->execute([&] { second = std::this_thread::get_id(); });
  CHECK(first != second);
  CHECK(first != std::this_thread::get_id());
}

TEST_CASE("the allocator counts live and peak bytes; freed tensors return them") {
  runtime::cpu::CpuDevice device(0, 1, {});
  {
    auto a = device.allocate(ir::DType::float32, {1000});
    auto b = device.allocate(ir::DType::float32, {10});
    CHECK(device.memory().live_bytes == 4032 + 64);
  }
  CHECK(device.memory().live_bytes == 0);
  CHECK(device.memory().peak_bytes == 4032 + 64);
}

TEST_CASE("an exception inside a device's work reaches the caller") {
  runtime::cpu::CpuDevice device(0, 1, {});
  CHECK_THROWS_WITH(device.execute([] { throw ir::Error(ir::ErrorKind::unsupported, "boom"); }), "boom");
}
