// Channels-last activations: strides, the executor's layout plan, and that a graph gives the
// same values with and without it (the plain path is the one checked against onnxruntime).
#include <doctest/doctest.h>

#include "runtime/layout.h"
#include "tests/ir/graph_test_util.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

std::vector<double> ramp(size_t n, double scale) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * (static_cast<double>((i * 7) % 11) - 5.0);
  return v;
}

// x -> Conv(3x3) -> Relu -> r; r -> Conv(1x1) -> c2; Add(r, c2) -> a; MaxPool(a) -> p;
// GlobalAveragePool(p) -> g; Mul(p, g) -> m; Concat(m, p) -> cat; BatchNormalization -> bn;
// Conv(bn) -> y. With `flatten`, p is also a graph output through Flatten.
ir::Graph cnn_graph(bool flatten) {
  ir::GraphBuilder b("cnn.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"2", "4", "6", "6"}));
  b.add_initializer("w1", ir::TensorData::from_doubles(ir::DType::float32, {8, 4, 3, 3}, ramp(8 * 4 * 9, 0.05)));
  b.add_initializer("w2", ir::TensorData::from_doubles(ir::DType::float32, {8, 8, 1, 1}, ramp(64, 0.1)));
  b.add_initializer("w3", ir::TensorData::from_doubles(ir::DType::float32, {3, 16, 1, 1}, ramp(48, 0.1)));
  for (const char* name : {"gamma", "beta", "mean"}) b.add_initializer(name, ir::TensorData::from_doubles(ir::DType::float32, {16}, ramp(16, 0.2)));
  b.add_initializer("var", ir::TensorData::from_doubles(ir::DType::float32, {16}, std::vector<double>(16, 0.5)));
  b.add_node(test::node("conv1", "Conv", {"x", "w1"}, {"c1"}, {{"pads", test::attr_ints({1, 1, 1, 1})}}));
  b.add_node(test::node("relu", "Relu", {"c1"}, {"r"}));
  b.add_node(test::node("conv2", "Conv", {"r", "w2"}, {"c2"}));
  b.add_node(test::node("add", "Add", {"r", "c2"}, {"a"}));
  b.add_node(test::node("pool", "MaxPool", {"a"}, {"p"}, {{"kernel_shape", test::attr_ints({2, 2})}, {"strides", test::attr_ints({2, 2})}}));
  b.add_node(test::node("gap", "GlobalAveragePool", {"p"}, {"g"}));
  b.add_node(test::node("mul", "Mul", {"p", "g"}, {"m"}));
  b.add_node(test::node("cat", "Concat", {"m", "p"}, {"cat"}, {{"axis", test::attr_i(1)}}));
  b.add_node(test::node("bn", "BatchNormalization", {"cat", "gamma", "beta", "mean", "var"}, {"bn"}));
  b.add_node(test::node("conv3", "Conv", {"bn", "w3"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  if (flatten) {
    b.add_node(test::node("flatten", "Flatten", {"p"}, {"f"}));
    b.add_output("f", ir::DType::float32, std::nullopt);
  }
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "cnn.onnx");
  return g;
}

// DenseNet's transition and layer shape: Conv -> Pad -> AveragePool(count_include_pad) ->
// BatchNormalization -> Relu -> Conv.
ir::Graph transition_graph() {
  ir::GraphBuilder b("transition.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"1", "3", "7", "7"}));
  b.add_initializer("w1", ir::TensorData::from_doubles(ir::DType::float32, {6, 3, 1, 1}, ramp(18, 0.2)));
  b.add_initializer("pads", ir::TensorData::from_int64s(ir::DType::int64, {8}, {0, 0, 1, 0, 0, 0, 0, 1}));
  b.add_initializer("w2", ir::TensorData::from_doubles(ir::DType::float32, {4, 6, 3, 3}, ramp(216, 0.05)));
  for (const char* name : {"gamma", "beta", "mean"}) b.add_initializer(name, ir::TensorData::from_doubles(ir::DType::float32, {6}, ramp(6, 0.3)));
  b.add_initializer("var", ir::TensorData::from_doubles(ir::DType::float32, {6}, std::vector<double>(6, 2.0)));
  b.add_node(test::node("conv1", "Conv", {"x", "w1"}, {"c1"}));
  b.add_node(test::node("pad", "Pad", {"c1", "pads"}, {"padded"}));
  b.add_node(test::node("pool", "AveragePool", {"padded"}, {"p"},
                        {{"kernel_shape", test::attr_ints({2, 2})}, {"strides", test::attr_ints({2, 2})}, {"count_include_pad", test::attr_i(1)}}));
  b.add_node(test::node("bn", "BatchNormalization", {"p", "gamma", "beta", "mean", "var"}, {"n"}));
  b.add_node(test::node("relu", "Relu", {"n"}, {"r"}));
  b.add_node(test::node("conv2", "Conv", {"r", "w2"}, {"y"}, {{"pads", test::attr_ints({1, 1, 1, 1})}}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "transition.onnx");
  return g;
}

// Output 0 of `executor` on `x` against the plain, unfused run of the same graph.
void check_same_as_plain(const ir::Graph& g, runtime::Device& device, runtime::Executor& executor, const runtime::Tensor& x) {
  runtime::Executor reference(g, device, {.fuse = false, .channels_last = false});
  const auto expected = reference.run({x});
  const auto got = executor.run({x});
  REQUIRE(got.size() == expected.size());
  for (size_t o = 0; o < got.size(); ++o) {
    REQUIRE(got[o].layout == runtime::Layout::plain);
    int64_t distinct = 0;
    for (int64_t i = 0; i < got[o].element_count(); ++i) {
      CHECK(got[o].as<float>()[i] == doctest::Approx(expected[o].as<float>()[i]).epsilon(1e-4).scale(1.0));
      distinct += i > 0 && expected[o].as<float>()[i] != expected[o].as<float>()[i - 1] ? 1 : 0;
    }
    CHECK(distinct > got[o].element_count() / 2);  // not a constant: the comparison means something
  }
}

runtime::Tensor ramp_input(runtime::Device& device, const std::vector<int64_t>& shape) {
  auto x = device.allocate(ir::DType::float32, shape);
  for (int64_t i = 0; i < x.element_count(); ++i) x.as<float>()[i] = static_cast<float>((i * 13) % 17) / 8.0f - 1.0f;
  return x;
}

runtime::Layout layout_of(const ir::Graph& g, const runtime::Executor& e, const std::string& name) {
  for (size_t t = 0; t < g.tensors.size(); ++t)
    if (g.tensors[t].name == name) return e.layouts()[t];
  FAIL("no tensor " << name);
  return runtime::Layout::plain;
}

}  // namespace

TEST_CASE("layout strides: channels-last puts C innermost; invariant shapes are the same bytes") {
  using runtime::Layout;
  CHECK(runtime::layout_strides({2, 3, 4, 5}, Layout::plain) == std::vector<int64_t>{60, 20, 5, 1});
  CHECK(runtime::layout_strides({2, 3, 4, 5}, Layout::channels_last) == std::vector<int64_t>{60, 1, 15, 3});
  CHECK(runtime::layout_strides({2, 3, 7}, Layout::channels_last) == std::vector<int64_t>{21, 1, 3});
  CHECK(runtime::layout_strides({2, 3}, Layout::channels_last) == std::vector<int64_t>{3, 1});  // rank 2: no channels to move
  CHECK(runtime::layout_invariant({2, 3, 1, 1}));
  CHECK(runtime::layout_invariant({2, 1, 4, 4}));
  CHECK_FALSE(runtime::layout_invariant({1, 3, 2, 1}));
}

TEST_CASE("activations between kernels that take channels-last stay channels-last; graph outputs stay plain") {
  const ir::Graph g = cnn_graph(false);
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device, {.fuse = false});
  for (const char* name : {"c1", "r", "c2", "a", "p", "m", "cat", "bn"}) {
    CAPTURE(name);
    CHECK(layout_of(g, executor, name) == runtime::Layout::channels_last);
  }
  CHECK(layout_of(g, executor, "g") == runtime::Layout::plain);  // [2, 8, 1, 1]: the same bytes either way
  CHECK(layout_of(g, executor, "x") == runtime::Layout::plain);
  CHECK(layout_of(g, executor, "y") == runtime::Layout::plain);
}

TEST_CASE("one reader that needs plain makes every activation tied to it through uniform kernels plain") {
  const ir::Graph g = cnn_graph(true);
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device, {.fuse = false});
  // Flatten reads p; MaxPool ties p to a; Add ties a to r and c2; Relu ties r to c1.
  for (const char* name : {"c1", "r", "c2", "a", "p", "m", "cat", "bn"}) {
    CAPTURE(name);
    CHECK(layout_of(g, executor, name) == runtime::Layout::plain);
  }
}

TEST_CASE("a graph gives the same values channels-last and plain, fused and not") {
  for (bool flatten : {false, true}) {
    CAPTURE(flatten);
    const ir::Graph g = cnn_graph(flatten);
    runtime::cpu::CpuDevice device("cpu0", 1, {});
    const auto x = ramp_input(device, {2, 4, 6, 6});
    for (bool fuse : {false, true}) {
      CAPTURE(fuse);
      runtime::Executor executor(g, device, {.fuse = fuse, .channels_last = true});
      check_same_as_plain(g, device, executor, x);
    }
  }
}

TEST_CASE("Pad and AveragePool counting padding stay channels-last; BatchNormalization takes the Relu") {
  const ir::Graph g = transition_graph();
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device, {.fuse = true, .channels_last = true});
  for (const char* name : {"c1", "padded", "p", "r"}) {
    CAPTURE(name);
    CHECK(layout_of(g, executor, name) == runtime::Layout::channels_last);
  }
  CHECK(executor.fused_into()[4] == 3);  // relu into bn
  check_same_as_plain(g, device, executor, ramp_input(device, {1, 3, 7, 7}));
}

TEST_CASE("the CPU allocator hands a released block back and counts only live bytes") {
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  void* first = nullptr;
  {
    auto a = device.allocate(ir::DType::float32, {1 << 18});
    first = a.data;
  }
  CHECK(device.memory().live_bytes == 0);
  auto b = device.allocate(ir::DType::float32, {1 << 18});
  CHECK(b.data == first);  // reused, not a fresh mapping
  CHECK(device.memory().live_bytes == (1 << 20));
  CHECK(device.memory().peak_bytes == (1 << 20));
  auto c = device.allocate(ir::DType::float32, {1 << 18});
  CHECK(c.data != b.data);
}

TEST_CASE("a lower-rank constant added to a channels-last activation is read with its own strides") {
  // Conv -> Add(c, pe [6, 5, 5]) -> Conv: pe stays plain; its step along C is 25, not 0 or 1.
  ir::GraphBuilder b("pos_embed.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"1", "4", "5", "5"}));
  b.add_initializer("w1", ir::TensorData::from_doubles(ir::DType::float32, {6, 4, 1, 1}, ramp(24, 0.2)));
  b.add_initializer("pe", ir::TensorData::from_doubles(ir::DType::float32, {6, 5, 5}, ramp(150, 0.1)));
  b.add_initializer("w2", ir::TensorData::from_doubles(ir::DType::float32, {3, 6, 1, 1}, ramp(18, 0.3)));
  b.add_node(test::node("conv1", "Conv", {"x", "w1"}, {"c"}));
  b.add_node(test::node("add", "Add", {"c", "pe"}, {"a"}));
  b.add_node(test::node("conv2", "Conv", {"a", "w2"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "pos_embed.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device, {.fuse = false, .channels_last = true});
  CHECK(layout_of(g, executor, "a") == runtime::Layout::channels_last);
  check_same_as_plain(g, device, executor, ramp_input(device, {1, 4, 5, 5}));
}
