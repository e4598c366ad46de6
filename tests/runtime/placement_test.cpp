// The executor under a placement: nodes on two devices, tensors copied where memory is not
// shared, fusion and channels-last kept within a device, values as on one device.
#include <doctest/doctest.h>

#include <map>

#include "ir/cost.h"
#include "ir/error.h"
#include "onnx_loader/onnx_loader.h"
#include "runtime/host_tensors.h"
#include "tests/sample_models.h"
#include "tests/ir/graph_test_util.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

// A CPU device that claims its memory is not the host's, as a GPU's is: the executor must move
// tensors through copy_from_host/copy_to_host, which this one counts.
class RemoteCpuDevice final : public runtime::Device {
 public:
  explicit RemoteCpuDevice(int index) : cpu_("cpu" + std::to_string(index), 1, {}) {}
  runtime::DeviceKind kind() const override { return runtime::DeviceKind::cpu; }
  const std::string& name() const override { return cpu_.name(); }
  std::string description() const override { return "remote " + cpu_.description(); }
  bool supports(const ir::Graph& graph, const ir::Node& node) const override { return cpu_.supports(graph, node); }
  std::unique_ptr<runtime::Kernel> create_kernel(const ir::Graph& graph, const ir::Node& node) override { return cpu_.create_kernel(graph, node); }
  runtime::Tensor allocate(ir::DType dtype, const std::vector<int64_t>& shape, runtime::Layout layout) override {
    return cpu_.allocate(dtype, shape, layout);
  }
  runtime::MemoryStats memory() const override { return cpu_.memory(); }
  void reset_peak_memory() override { cpu_.reset_peak_memory(); }
  void execute(const std::function<void()>& work) override { cpu_.execute(work); }
  bool host_accessible() const override { return false; }
  void copy_from_host(const void* src, runtime::Tensor& dst) override {
    ++copies_in;
    cpu_.copy_from_host(src, dst);
  }
  void copy_to_host(const runtime::Tensor& src, void* dst) override {
    ++copies_out;
    cpu_.copy_to_host(src, dst);
  }
  int copies_in = 0, copies_out = 0;

 private:
  runtime::cpu::CpuDevice cpu_;
};

std::vector<double> ramp(size_t n, double scale) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * (static_cast<double>((i * 5) % 9) - 4.0);
  return v;
}

// x -> conv1 -> relu -> conv2 -> add(relu, conv2) -> pool -> y
ir::Graph residual_graph() {
  ir::GraphBuilder b("residual.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"1", "3", "8", "8"}));
  b.add_initializer("w1", ir::TensorData::from_doubles(ir::DType::float32, {8, 3, 3, 3}, ramp(216, 0.05)));
  b.add_initializer("w2", ir::TensorData::from_doubles(ir::DType::float32, {8, 8, 1, 1}, ramp(64, 0.1)));
  b.add_node(test::node("conv1", "Conv", {"x", "w1"}, {"c1"}, {{"pads", test::attr_ints({1, 1, 1, 1})}}));
  b.add_node(test::node("relu", "Relu", {"c1"}, {"r"}));
  b.add_node(test::node("conv2", "Conv", {"r", "w2"}, {"c2"}));
  b.add_node(test::node("add", "Add", {"r", "c2"}, {"a"}));
  b.add_node(test::node("pool", "MaxPool", {"a"}, {"y"}, {{"kernel_shape", test::attr_ints({2, 2})}, {"strides", test::attr_ints({2, 2})}}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "residual.onnx");
  return g;
}

std::vector<float> values(const runtime::Tensor& t) { return {t.as<float>(), t.as<float>() + t.element_count()}; }

}  // namespace

TEST_CASE("nodes placed on two devices give the one-device values; tensors crossing memories are copied and plain") {
  const ir::Graph g = residual_graph();
  runtime::cpu::CpuDevice local("cpu0", 1, {});
  RemoteCpuDevice remote(1);
  auto x = local.allocate(ir::DType::float32, {1, 3, 8, 8});
  for (int64_t i = 0; i < x.element_count(); ++i) x.as<float>()[i] = static_cast<float>((i * 11) % 7) * 0.5f - 1.5f;
  runtime::Executor alone(g, local);
  const auto expected = values(alone.run({x})[0]);

  // conv1 and add here, relu and conv2 there, pool here.
  runtime::Executor split(g, {&local, &remote}, {0, 1, 1, 0, 0});
  CHECK(split.fused_into()[1] == ir::no_node);  // the Relu is on another device than its Conv
  const auto r = static_cast<size_t>(g.nodes[1].outputs[0]);
  CHECK(split.layouts()[r] == runtime::Layout::plain);  // read on both devices
  const auto y = split.run({x});
  REQUIRE(y[0].element_count() == static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) CHECK(y[0].as<float>()[i] == doctest::Approx(expected[i]).epsilon(1e-5));
  CHECK(remote.copies_in == 1);   // c1 into the remote device
  CHECK(remote.copies_out == 2);  // r and c2 back for the Add (r once, though two nodes read it there and here)

  runtime::cpu::CpuDevice other("cpu2", 1, {});
  runtime::Executor shared(g, {&local, &other}, {0, 1, 0, 1, 0});  // host memory on both: no copies
  CHECK(values(shared.run({x})[0]) == values(split.run({x})[0]));
}

TEST_CASE("a replay records each copy between memories: which tensor, where from and to, inside its request") {
  const ir::Graph g = residual_graph();
  runtime::cpu::CpuDevice local("cpu0", 1, {});
  RemoteCpuDevice remote(1);
  auto x = runtime::host_tensor(ir::DType::float32, {1, 3, 8, 8});
  for (int64_t i = 0; i < x.element_count(); ++i) x.as<float>()[i] = static_cast<float>(i % 5);
  runtime::Executor split(g, {&local, &remote}, {0, 1, 1, 0, 0});
  runtime::ReplayOptions options;
  options.requests = 3;
  options.record_nodes = true;
  const runtime::ReplayResult r = split.replay({x}, options);
  CHECK(r.copies == 3 * 3);  // per request: c1 there, r and c2 back (the output stays on the host device)
  REQUIRE(r.copy_spans.size() == static_cast<size_t>(r.copies));
  std::map<std::string, int> by_tensor;
  for (const runtime::CopySpan& c : r.copy_spans) {
    const std::string name = g.tensor(static_cast<ir::TensorId>(c.tensor)).name;
    ++by_tensor[name];
    CHECK((name == "c1" ? c.from == 0 && c.to == 1 : c.from == 1 && c.to == 0));
    CHECK(c.bytes == 8 * 8 * 8 * 4);
    const runtime::RequestRecord& q = r.requests.at(static_cast<size_t>(c.request));
    CHECK(c.start_us >= q.admitted_us);
    CHECK(c.end_us <= q.finished_us);
    CHECK(c.start_us <= c.end_us);
  }
  CHECK(by_tensor == std::map<std::string, int>{{"c1", 3}, {"c2", 3}, {"r", 3}});
  options.record_nodes = false;
  CHECK(split.replay({x}, options).copy_spans.empty());  // only when asked
}

TEST_CASE("a placement of the wrong size or naming a missing device is refused") {
  const ir::Graph g = residual_graph();
  runtime::cpu::CpuDevice local("cpu0", 1, {});
  CHECK_THROWS_AS(runtime::Executor(g, {&local}, {0, 0}), ir::Error);
  CHECK_THROWS_AS(runtime::Executor(g, {&local}, {0, 0, 1, 0, 0}), ir::Error);
}

TEST_CASE("CPU devices share layouts: a cut between them keeps channels-last, one between memories does not") {
  onnx_loader::LoadedModel model = onnx_loader::load_model(test::sample_model("resnet_small"));
  ir::Graph& g = model.graph;
  ir::ShapeBindings bindings;
  bindings.batch = 1;
  ir::resolve_shapes(g, bindings, model.path);
  runtime::cpu::CpuDevice local("cpu0", 1, {}), other("cpu1", 1, {});
  RemoteCpuDevice remote(2);
  // Every other Conv (and what follows it up to the next Conv) on the second device.
  std::vector<int> placement(g.nodes.size(), 0);
  int convs = 0, side = 0;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (g.nodes[n].op_type == "Conv") side = ++convs % 2;
    placement[n] = side;
  }
  runtime::Executor alone(g, local);
  runtime::Executor shared(g, {&local, &other}, placement);
  runtime::Executor copied(g, {&local, &remote}, placement);
  auto channels_last = [&](const runtime::Executor& e) {
    int count = 0;
    for (runtime::Layout l : e.layouts()) count += l == runtime::Layout::channels_last;
    return count;
  };
  MESSAGE("channels-last tensors: alone ", channels_last(alone), ", split in shared memory ", channels_last(shared), ", split across memories ",
          channels_last(copied));
  CHECK(channels_last(alone) > 0);
  CHECK(channels_last(shared) > channels_last(copied));
  // The same values whichever way the tensors cross.
  runtime::Tensor x = runtime::host_tensor(ir::DType::float32, g.tensor(g.inputs[0]).shape);
  for (int64_t i = 0; i < x.element_count(); ++i) x.as<float>()[i] = static_cast<float>((i * 7) % 13) * 0.1f - 0.6f;
  const auto expected = values(alone.run({x})[0]);
  const auto got = values(shared.run({x})[0]);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-4));
}
