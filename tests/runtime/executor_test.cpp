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

TEST_CASE("an activation read only by a folded Shape node is freed right after its producer") {
  // h = Relu(x); s = Shape(h) (folded to a constant, never run); y = Reshape(x, s)
  ir::GraphBuilder b("shape_only.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{ir::Dim{1000, ""}});
  ir::NodeSpec relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"h"};
  ir::NodeSpec shape = relu;
  shape.name = "shape";
  shape.op_type = "Shape";
  shape.inputs = {"h"};
  shape.outputs = {"s"};
  ir::NodeSpec reshape = relu;
  reshape.name = "reshape";
  reshape.op_type = "Reshape";
  reshape.inputs = {"x", "s"};
  reshape.outputs = {"y"};
  b.add_node(relu);
  b.add_node(shape);
  b.add_node(reshape);
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "shape_only.onnx");
  runtime::cpu::CpuDevice device(0, 1, {});
  runtime::Executor executor(g, device);
  auto x = device.allocate(ir::DType::float32, {1000});
  device.reset_peak_memory();
  const auto outputs = executor.run({x});
  // x (4032 bytes) + one of h or y at a time: h is not kept alive for the never-run Shape.
  CHECK(device.memory().peak_bytes == 2 * 4032);
}
