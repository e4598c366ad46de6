#include <doctest/doctest.h>

#include <cmath>

#include "ir/error.h"
#include "runtime/device_spec.h"
#include "tests/ir/graph_test_util.h"
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
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  {
    auto a = device.allocate(ir::DType::float32, {1000});
    auto b = device.allocate(ir::DType::float32, {10});
    CHECK(device.memory().live_bytes == 4032 + 64);
  }
  CHECK(device.memory().live_bytes == 0);
  CHECK(device.memory().peak_bytes == 4032 + 64);
}

TEST_CASE("an exception inside a device's work reaches the caller") {
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  CHECK_THROWS_WITH(device.execute([] { throw ir::Error(ir::ErrorKind::unsupported, "boom"); }), "boom");
}

TEST_CASE("an activation read only by a folded Shape node is freed right after its producer") {
  // h = Relu(x); s = Shape(h) (folded to a constant, never run); y = Reshape(x, s)
  ir::GraphBuilder b("shape_only.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{ir::Dim{1000, ""}});
  b.add_node(test::node("relu", "Relu", {"x"}, {"h"}));
  b.add_node(test::node("shape", "Shape", {"h"}, {"s"}));
  b.add_node(test::node("reshape", "Reshape", {"x", "s"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "shape_only.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device);
  auto x = device.allocate(ir::DType::float32, {1000});
  device.reset_peak_memory();
  const auto outputs = executor.run({x});
  // x (4032 bytes) + one of h or y at a time: h is not kept alive for the never-run Shape.
  CHECK(device.memory().peak_bytes == 2 * 4032);
}

TEST_CASE("a Relu that only reads a Conv is fused into it, recorded, and gives the same values") {
  // y = Relu(Conv(x, w)) with negative and positive pre-activations.
  ir::GraphBuilder b("conv_relu.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{{1, ""}, {1, ""}, {2, ""}, {2, ""}});
  b.add_initializer("w", ir::TensorData::from_doubles(ir::DType::float32, {2, 1, 1, 1}, {1.0, -1.0}));
  b.add_node(test::node("conv", "Conv", {"x", "w"}, {"c"}));
  b.add_node(test::node("relu", "Relu", {"c"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "conv_relu.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  auto x = device.allocate(ir::DType::float32, {1, 1, 2, 2});
  const float values[] = {-2, -1, 1, 2};
  std::memcpy(x.data, values, sizeof(values));
  for (bool fuse : {true, false}) {
    CAPTURE(fuse);
    runtime::Executor executor(g, device, {.fuse = fuse});
    CHECK(executor.fused_into()[1] == (fuse ? 0 : ir::no_node));
    const auto y = executor.run({x});
    const float* out = y[0].as<float>();
    const float expected[] = {0, 0, 1, 2, 2, 1, 0, 0};  // channel 0: relu(x), channel 1: relu(-x)
    for (int i = 0; i < 8; ++i) CHECK(out[i] == expected[i]);
  }
}

TEST_CASE("supports() refuses dtypes a CPU kernel does not take, before any kernel is made") {
  ir::GraphBuilder b("types.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float64, std::vector<ir::Dim>{{2, ""}, {3, ""}});
  b.add_input("y", ir::DType::float64, std::vector<ir::Dim>{{3, ""}, {2, ""}});
  b.add_node(test::node("mm", "MatMul", {"x", "y"}, {"z"}));
  b.add_node(test::node("add", "Add", {"x", "x"}, {"w"}));
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "types.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  CHECK_FALSE(device.supports(g, g.nodes[0]));  // oneDNN matmul: float32 only
  CHECK(device.supports(g, g.nodes[1]));        // Add takes float64
}

TEST_CASE("Conv -> BatchNormalization -> Relu fuses into one kernel with the unfused values") {
  ir::GraphBuilder b("conv_bn_relu.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{{1, ""}, {2, ""}, {3, ""}, {3, ""}});
  b.add_initializer("w", ir::TensorData::from_doubles(ir::DType::float32, {2, 2, 1, 1}, {1.0, 0.5, -1.0, 2.0}));
  b.add_initializer("bias", ir::TensorData::from_doubles(ir::DType::float32, {2}, {0.25, -0.5}));
  b.add_initializer("gamma", ir::TensorData::from_doubles(ir::DType::float32, {2}, {2.0, -0.5}));
  b.add_initializer("beta", ir::TensorData::from_doubles(ir::DType::float32, {2}, {0.1, 0.3}));
  b.add_initializer("mean", ir::TensorData::from_doubles(ir::DType::float32, {2}, {0.2, -1.0}));
  b.add_initializer("var", ir::TensorData::from_doubles(ir::DType::float32, {2}, {4.0, 0.25}));
  b.add_node(test::node("conv", "Conv", {"x", "w", "bias"}, {"c"}));
  b.add_node(test::node("bn", "BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"n"}));
  b.add_node(test::node("relu", "Relu", {"n"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "conv_bn_relu.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  auto x = device.allocate(ir::DType::float32, {1, 2, 3, 3});
  for (int i = 0; i < 18; ++i) x.as<float>()[i] = static_cast<float>(i % 7) - 3.0f;
  runtime::Executor fused(g, device, {.fuse = true}), separate(g, device, {.fuse = false});
  CHECK(fused.fused_into()[1] == 0);
  CHECK(fused.fused_into()[2] == 0);
  CHECK(separate.fused_into()[1] == ir::no_node);
  const auto a = fused.run({x});
  const auto c = separate.run({x});
  int positive = 0;
  for (int i = 0; i < 18; ++i) {
    CHECK(a[0].as<float>()[i] == doctest::Approx(c[0].as<float>()[i]).epsilon(1e-5));
    positive += c[0].as<float>()[i] > 0 ? 1 : 0;
  }
  CHECK(positive > 0);  // the Relu does not zero everything: the comparison means something
  CHECK(positive < 18);
}

TEST_CASE("a fused chain's output is freed after its last reader, like any activation") {
  // Conv -> Relu -> Conv -> Relu -> Conv, fused into three kernels: only the input and two
  // activations are ever live together.
  ir::GraphBuilder b("chain.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"1", "4", "16", "16"}));
  b.add_initializer("w1", ir::TensorData::from_doubles(ir::DType::float32, {8, 4, 1, 1}, std::vector<double>(32, 0.1)));
  b.add_initializer("w2", ir::TensorData::from_doubles(ir::DType::float32, {8, 8, 1, 1}, std::vector<double>(64, 0.1)));
  b.add_node(test::node("conv1", "Conv", {"x", "w1"}, {"c1"}));
  b.add_node(test::node("relu1", "Relu", {"c1"}, {"r1"}));
  b.add_node(test::node("conv2", "Conv", {"r1", "w2"}, {"c2"}));
  b.add_node(test::node("relu2", "Relu", {"c2"}, {"r2"}));
  b.add_node(test::node("conv3", "Conv", {"r2", "w2"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "chain.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  runtime::Executor executor(g, device);
  CHECK(executor.fused_into()[1] == 0);
  CHECK(executor.fused_into()[3] == 2);
  auto x = device.allocate(ir::DType::float32, {1, 4, 16, 16});
  device.reset_peak_memory();
  const auto outputs = executor.run({x});
  const int64_t plane = 16 * 16 * 4;
  CHECK(device.memory().peak_bytes == 4 * plane + 8 * plane + 8 * plane);  // x, r1, r2 (y comes after r1 is gone)
}

TEST_CASE("Sigmoid + Mul computing x * sigmoid(x) after a Conv fuses into it as swish") {
  ir::GraphBuilder b("swish.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"1", "2", "3", "3"}));
  b.add_initializer("w", ir::TensorData::from_doubles(ir::DType::float32, {3, 2, 1, 1}, {1.0, -0.5, 0.25, 2.0, -1.5, 0.75}));
  b.add_node(test::node("conv", "Conv", {"x", "w"}, {"c"}));
  b.add_node(test::node("sigmoid", "Sigmoid", {"c"}, {"s"}));
  b.add_node(test::node("mul", "Mul", {"s", "c"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "swish.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  auto x = device.allocate(ir::DType::float32, {1, 2, 3, 3});
  for (int i = 0; i < 18; ++i) x.as<float>()[i] = static_cast<float>(i % 5) - 2.0f;
  runtime::Executor fused(g, device, {.fuse = true});
  CHECK(fused.fused_into()[1] == 0);
  CHECK(fused.fused_into()[2] == 0);
  const auto y = fused.run({x});
  const float w[3][2] = {{1.0f, -0.5f}, {0.25f, 2.0f}, {-1.5f, 0.75f}};
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 9; ++p) {
      const double v = w[c][0] * x.as<float>()[p] + w[c][1] * x.as<float>()[9 + p];
      CHECK(y[0].as<float>()[c * 9 + p] == doctest::Approx(v / (1.0 + std::exp(-v))).epsilon(1e-5));
    }
}

TEST_CASE("weights the kernels copy are reported once copied; the run still gives the same values without them") {
  // y = Add(Relu(BatchNormalization(Conv(x, w, bias))), c): the Conv copies w (reordered) and
  // the bias (folded with the BatchNormalization, whose parameters it consumed while fusing);
  // the Add reads its constant c at run time.
  ir::GraphBuilder b("weights.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"1", "2", "4", "4"}));
  b.add_initializer("w", ir::TensorData::from_doubles(ir::DType::float32, {3, 2, 3, 3}, std::vector<double>(54, 0.25)));
  b.add_initializer("bias", ir::TensorData::from_doubles(ir::DType::float32, {3}, {0.5, -0.5, 0.0}));
  b.add_initializer("c", ir::TensorData::from_doubles(ir::DType::float32, {3, 1, 1}, {1.0, 2.0, 3.0}));
  for (const char* name : {"gamma", "beta", "mean", "var"})
    b.add_initializer(name, ir::TensorData::from_doubles(ir::DType::float32, {3}, {0.5, 1.0, 2.0}));
  b.add_node(test::node("conv", "Conv", {"x", "w", "bias"}, {"h"}, {{"pads", test::attr_ints({1, 1, 1, 1})}}));
  b.add_node(test::node("bn", "BatchNormalization", {"h", "gamma", "beta", "mean", "var"}, {"n"}));
  b.add_node(test::node("relu", "Relu", {"n"}, {"r"}));
  b.add_node(test::node("add", "Add", {"r", "c"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "weights.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  auto x = device.allocate(ir::DType::float32, {1, 2, 4, 4});
  for (int i = 0; i < 32; ++i) x.as<float>()[i] = static_cast<float>(i % 5) - 2.0f;

  runtime::Executor keep(g, device);
  const auto expected = keep.run({x});
  ir::Graph dropped = g;
  std::vector<std::string> copied;
  runtime::Executor executor(dropped, device, {.weight_copied = [&](ir::TensorId t) {
                               copied.push_back(dropped.tensor(t).name);
                               dropped.tensors[static_cast<size_t>(t)].value.reset();
                             }});
  CHECK(copied == std::vector<std::string>{"w", "bias", "gamma", "beta", "mean", "var"});  // not c
  CHECK(executor.copied_weights().size() == 6);
  CHECK(executor.kernel_bytes() >= 54 * 4);  // at least the reordered weights
  const auto got = executor.run({x});
  for (int i = 0; i < 48; ++i) CHECK(got[0].as<float>()[i] == doctest::Approx(expected[0].as<float>()[i]));
}

TEST_CASE("MatMul takes a following Add of a bias (either operand) and a Relu, with the unfused values") {
  // y = Relu(bias + x @ w) over [2, 3, 4] x [4, 5]: exporters' Linear, bias first as torch writes it.
  ir::GraphBuilder b("linear.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, test::dims({"2", "3", "4"}));
  std::vector<double> w(20), bias{0.5, -0.25, 0.0, 1.0, -1.0};
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.1 * static_cast<double>(i % 7) - 0.3;
  b.add_initializer("w", ir::TensorData::from_doubles(ir::DType::float32, {4, 5}, w));
  b.add_initializer("bias", ir::TensorData::from_doubles(ir::DType::float32, {5}, bias));
  b.add_node(test::node("mm", "MatMul", {"x", "w"}, {"m"}));
  b.add_node(test::node("add", "Add", {"bias", "m"}, {"a"}));
  b.add_node(test::node("relu", "Relu", {"a"}, {"y"}));
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "linear.onnx");
  runtime::cpu::CpuDevice device("cpu0", 1, {});
  auto x = device.allocate(ir::DType::float32, {2, 3, 4});
  for (int i = 0; i < 24; ++i) x.as<float>()[i] = static_cast<float>(i % 9) * 0.25f - 1.0f;
  runtime::Executor fused(g, device, {.fuse = true});
  CHECK(fused.fused_into()[1] == 0);
  CHECK(fused.fused_into()[2] == 0);
  const auto y = fused.run({x});
  int zeros = 0;
  for (int r = 0; r < 6; ++r)
    for (int n = 0; n < 5; ++n) {
      double v = bias[static_cast<size_t>(n)];
      for (int k = 0; k < 4; ++k) v += x.as<float>()[r * 4 + k] * w[static_cast<size_t>(k * 5 + n)];
      CHECK(y[0].as<float>()[r * 5 + n] == doctest::Approx(std::max(v, 0.0)).epsilon(1e-5));
      zeros += v <= 0 ? 1 : 0;
    }
  CHECK(zeros > 0);  // the Relu matters
  CHECK(zeros < 30);
}
