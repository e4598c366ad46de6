// Executor::replay: several devices at once and several requests in flight give the values a
// hand computation gives, free what they allocate, and refuse an order that would deadlock.
#include <doctest/doctest.h>

#include <cmath>

#include "ir/error.h"
#include "runtime/device_spec.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"
#include "tests/ir/graph_test_util.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

// y = Relu(x) + Sigmoid(x), the two branches meant for two devices.
ir::Graph diamond() {
  ir::GraphBuilder b("diamond.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{ir::Dim{64, ""}});
  b.add_node(test::node("relu", "Relu", {"x"}, {"a"}));
  b.add_node(test::node("sigmoid", "Sigmoid", {"x"}, {"b"}));
  b.add_node(test::node("add", "Add", {"a", "b"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "diamond.onnx");
  return g;
}

runtime::Tensor ramp(int64_t n) {
  runtime::Tensor x = runtime::host_tensor(ir::DType::float32, {n});
  for (int64_t i = 0; i < n; ++i) x.as<float>()[i] = static_cast<float>(i - n / 2) / 8.0f;
  return x;
}

void check_diamond(const runtime::Tensor& x, const runtime::Tensor& y) {
  for (int64_t i = 0; i < x.element_count(); ++i) {
    const double v = x.as<float>()[i];
    CHECK(y.as<float>()[i] == doctest::Approx(std::max(v, 0.0) + 1.0 / (1.0 + std::exp(-v))).epsilon(1e-6));
  }
}

}  // namespace

TEST_CASE("replay: two CPU devices, requests in flight, the hand-computed values") {
  const ir::Graph g = diamond();
  auto devices = runtime::create_devices(runtime::parse_device_list("cpu:threads=1,cpu:threads=1", "--devices"));
  {
    runtime::Executor executor(g, {devices[0].get(), devices[1].get()}, {0, 1, 0});
    const runtime::Tensor x = ramp(64);
    runtime::ReplayOptions options;
    options.requests = 12;
    options.concurrency = 3;
    options.record_nodes = true;
    const runtime::ReplayResult r = executor.replay({x}, options);
    REQUIRE(r.outputs.size() == 1);
    check_diamond(x, r.outputs[0]);
    REQUIRE(r.requests.size() == 12);
    for (size_t k = 0; k < r.requests.size(); ++k) {
      const runtime::RequestRecord& q = r.requests[k];
      CHECK(q.admitted_us >= q.arrived_us);
      CHECK(q.finished_us >= q.admitted_us);
      // Each node of the request ran inside its lifetime, Add after both branches.
      const auto& spans = r.spans[k];
      CHECK(spans[0].start_us >= q.admitted_us);
      CHECK(spans[2].start_us >= spans[0].end_us);
      CHECK(spans[2].start_us >= spans[1].end_us);
      CHECK(spans[2].end_us <= q.finished_us);
    }
    CHECK(r.device_busy_us[0] > 0);
    CHECK(r.device_busy_us[1] > 0);
    CHECK(r.copies == 0);  // CPU devices share memory
  }
  // Everything a request allocated was freed after its last reader.
  CHECK(devices[0]->memory().live_bytes == 0);
  CHECK(devices[1]->memory().live_bytes == 0);
}

TEST_CASE("replay: open-loop arrivals are kept, and latency counts from the arrival") {
  const ir::Graph g = diamond();
  auto devices = runtime::create_devices(runtime::parse_device_list("cpu:threads=1,cpu:threads=1", "--devices"));
  runtime::Executor executor(g, {devices[0].get(), devices[1].get()}, {0, 1, 1});
  runtime::ReplayOptions options;
  options.requests = 5;
  options.concurrency = 2;
  options.arrivals_us = {0, 2000, 2000, 2000, 9000};
  const runtime::Tensor x = ramp(64);
  const runtime::ReplayResult r = executor.replay({x}, options);
  check_diamond(x, r.outputs[0]);
  for (size_t k = 0; k < 5; ++k) {
    CHECK(r.requests[k].arrived_us == options.arrivals_us[k]);
    CHECK(r.requests[k].admitted_us >= options.arrivals_us[k]);
  }
  // Three arrive at once with two slots: one waited.
  CHECK(r.most_waiting >= 1);
  CHECK(r.wall_us >= 9000);
  // With a slot for every request, nobody waits for one.
  options.concurrency = 5;
  CHECK(executor.replay({x}, options).most_waiting == 0);
}

TEST_CASE("replay: a device order that would wait forever is refused, naming the node") {
  const ir::Graph g = diamond();
  auto devices = runtime::create_devices(runtime::parse_device_list("cpu:threads=1,cpu:threads=1", "--devices"));
  runtime::Executor executor(g, {devices[0].get(), devices[1].get()}, {0, 1, 0});
  runtime::ReplayOptions options;
  options.order = {1, 0, 0};  // cpu0 would run add before relu, which add reads
  CHECK_THROWS_WITH_AS(executor.replay({ramp(64)}, options), doctest::Contains("'add'"), ir::Error);
}

TEST_CASE("replay: one device gives what run() gives") {
  const ir::Graph g = diamond();
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device);
  const runtime::Tensor x = ramp(64);
  runtime::ReplayOptions options;
  options.requests = 3;
  const runtime::ReplayResult r = executor.replay({x}, options);
  check_diamond(x, r.outputs[0]);
  const runtime::Tensor once = executor.run({x})[0];
  for (int64_t i = 0; i < x.element_count(); ++i) CHECK(r.outputs[0].as<float>()[i] == once.as<float>()[i]);
}

TEST_CASE("replay: inputs of another shape are refused, as run() refuses them") {
  const ir::Graph g = diamond();
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device);
  CHECK_THROWS_WITH_AS(executor.replay({ramp(32)}, {}), doctest::Contains("'x'"), ir::Error);
  CHECK_THROWS_WITH_AS(executor.run({ramp(32)}), doctest::Contains("'x'"), ir::Error);
}
