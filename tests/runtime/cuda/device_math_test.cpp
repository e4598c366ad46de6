// The CUDA kernels' per-element math (device_math.cuh) compiled for the host and checked
// against the CPU kernels, the oracle: activations, broadcasting and strided indexing, pooling
// windows (with the node -> parameters conversion the GPU kernel uses), integer division.
// No GPU needed: these are the GPU kernels' code paths that do not touch a device.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ir/graph_builder.h"
#include "ir/shape_inference.h"
#include "runtime/broadcast_plan.h"
#include "runtime/cuda/device_math.cuh"
#include "runtime/cuda/pool_params.h"
#include "tests/ir/graph_test_util.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

using runtime::cuda::ActivationSpec;
using runtime::cuda::Activation;

std::vector<double> spread(size_t n, double low, double high) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = low + (high - low) * static_cast<double>(i) / static_cast<double>(n - 1);
  return v;
}

runtime::cuda::StridedIndex index_of(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t offset) {
  runtime::cuda::StridedIndex ix;
  ix.rank = static_cast<int>(dims.size());
  ix.offset = offset;
  for (size_t d = 0; d < dims.size(); ++d) {
    ix.dims[d] = dims[d];
    ix.strides[d] = strides[d];
  }
  return ix;
}

// A one-node graph with its shapes resolved, for the geometry functions.
ir::Graph one_node_graph(const std::string& op, const std::vector<int64_t>& x_shape, ir::Attributes attributes) {
  ir::GraphBuilder b("pool.onnx");
  b.set_versions(8, 21);
  std::vector<ir::Dim> dims;
  for (int64_t d : x_shape) dims.push_back(ir::Dim{d, ""});
  b.add_input("x", ir::DType::float32, dims);
  b.add_node(test::node("node", op, {"x"}, {"y"}, std::move(attributes)));
  b.add_output("y", ir::DType::undefined, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "pool.onnx");
  return g;
}

}  // namespace

TEST_CASE("device math: every activation matches the CPU kernel of its op") {
  const std::vector<double> x = spread(41, -8.0, 8.0);
  struct Case {
    const char* op;
    ActivationSpec spec;
    ir::Attributes attributes;
    std::vector<double> input;
  };
  const std::vector<double> positive = spread(41, 0.01, 9.0);
  const std::vector<Case> cases = {
      {"Relu", {Activation::relu}, {}, x},
      {"LeakyRelu", {Activation::leaky_relu, 0.3f}, {{"alpha", test::attr_f(0.3f)}}, x},
      {"Elu", {Activation::elu, 0.7f}, {{"alpha", test::attr_f(0.7f)}}, x},
      {"Sigmoid", {Activation::sigmoid}, {}, x},
      {"Tanh", {Activation::tanh}, {}, x},
      {"HardSigmoid", {Activation::hard_sigmoid, 0.25f, 0.4f}, {{"alpha", test::attr_f(0.25f)}, {"beta", test::attr_f(0.4f)}}, x},
      {"HardSwish", {Activation::hard_swish}, {}, x},
      {"Softplus", {Activation::softplus}, {}, spread(41, -30.0, 30.0)},
      {"Gelu", {Activation::gelu_erf}, {}, x},
      {"Gelu", {Activation::gelu_tanh}, {{"approximate", test::attr_s("tanh")}}, x},
      {"Exp", {Activation::exp}, {}, x},
      {"Log", {Activation::log}, {}, positive},
      {"Sqrt", {Activation::sqrt}, {}, positive},
      {"Abs", {Activation::abs}, {}, x},
      {"Neg", {Activation::neg}, {}, x},
      {"Reciprocal", {Activation::reciprocal}, {}, positive},
      {"Erf", {Activation::erf}, {}, x},
  };
  for (const Case& c : cases) {
    CAPTURE(c.op);
    const auto expected = test::run_node(c.op, {test::f32({static_cast<int64_t>(c.input.size())}, c.input)}, c.attributes);
    std::vector<double> got;
    for (double v : c.input) got.push_back(runtime::cuda::apply_activation(c.spec, static_cast<float>(v)));
    test::check_close(got, expected[0].values, 1e-5);
  }
  // Clip with both bounds, and swish against Sigmoid then Mul.
  const auto clipped = test::run_node("Clip", {test::f32({41}, x), test::f32({}, {-1.5}), test::f32({}, {2.0})}, {}, 1, {1, 2});
  std::vector<double> got;
  for (double v : x) got.push_back(runtime::cuda::apply_activation({Activation::clip, -1.5f, 2.0f}, static_cast<float>(v)));
  test::check_close(got, clipped[0].values);
  const auto sig = test::run_node("Sigmoid", {test::f32({41}, x)});
  got.clear();
  for (double v : x) got.push_back(runtime::cuda::apply_activation({Activation::swish}, static_cast<float>(v)));
  std::vector<double> swish;
  for (size_t i = 0; i < x.size(); ++i) swish.push_back(x[i] * sig[0].values[i]);
  test::check_close(got, swish, 1e-5);
}

TEST_CASE("device math: a broadcast plan read through strided_offset gives the CPU kernel's Add") {
  const std::vector<int64_t> a_shape{2, 1, 4}, b_shape{3, 1}, out_shape{2, 3, 4};
  const std::vector<double> a = spread(8, -3.0, 4.0), b = spread(3, 10.0, 30.0);
  const auto expected = test::run_node("Add", {test::f32(a_shape, a), test::f32(b_shape, b)});
  const runtime::Broadcast plan = runtime::plan_broadcast({a_shape, b_shape}, {runtime::Layout::plain, runtime::Layout::plain}, out_shape,
                                                          runtime::Layout::plain);
  const auto ai = index_of(plan.dims, plan.strides[0], 0), bi = index_of(plan.dims, plan.strides[1], 0);
  std::vector<double> got;
  for (int64_t i = 0; i < 24; ++i)
    got.push_back(runtime::cuda::apply_arithmetic(runtime::cuda::BinaryOp::add, static_cast<float>(a[static_cast<size_t>(strided_offset(ai, i))]),
                                                  static_cast<float>(b[static_cast<size_t>(strided_offset(bi, i))])));
  test::check_close(got, expected[0].values);
}

TEST_CASE("device math: a transposed, sliced strided copy reads what the CPU kernel reads") {
  // Transpose [2,3,4] by perm (2,0,1): the output element (k,i,j) reads input (i,j,k).
  const std::vector<int64_t> in_shape{2, 3, 4};
  std::vector<double> input(24);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<double>(i);
  const auto expected = test::run_node("Transpose", {test::f32(in_shape, input)}, {{"perm", test::attr_ints({2, 0, 1})}});
  const auto strides = runtime::strides_of(in_shape);
  const runtime::StridedCopy plan = runtime::plan_strided_copy({4, 2, 3}, {strides[2], strides[0], strides[1]}, 0, 4);
  const auto ix = index_of(plan.dims, plan.in_strides, plan.in_offset);
  std::vector<double> got;
  for (int64_t i = 0; i < 24; ++i) got.push_back(input[static_cast<size_t>(strided_offset(ix, i))]);
  CHECK(got == expected[0].values);
  // A reversed slice (step -2 from the end) has a negative stride and a positive offset.
  const auto sliced = test::run_node("Slice", {test::f32({24}, input), test::i64({1}, {-1}), test::i64({1}, {-100}), test::i64({1}, {0}),
                                               test::i64({1}, {-2})},
                                     {}, 1, {1, 2, 3, 4});
  const auto reversed = index_of({12}, {-2}, 23);
  got.clear();
  for (int64_t i = 0; i < 12; ++i) got.push_back(input[static_cast<size_t>(strided_offset(reversed, i))]);
  CHECK(got == sliced[0].values);
}

TEST_CASE("device math: pooling windows match the CPU kernels, ceil_mode and padding included") {
  struct Case {
    const char* op;
    std::vector<int64_t> x;
    ir::Attributes attributes;
  };
  const std::vector<Case> cases = {
      {"MaxPool", {1, 2, 7, 6}, {{"kernel_shape", test::attr_ints({3, 2})}, {"strides", test::attr_ints({2, 2})}, {"pads", test::attr_ints({1, 0, 1, 1})}}},
      {"MaxPool", {1, 1, 9, 9}, {{"kernel_shape", test::attr_ints({3, 3})}, {"dilations", test::attr_ints({2, 2})}, {"ceil_mode", test::attr_i(1)}, {"strides", test::attr_ints({2, 2})}}},
      {"AveragePool", {2, 2, 7, 7}, {{"kernel_shape", test::attr_ints({3, 3})}, {"strides", test::attr_ints({2, 2})}, {"pads", test::attr_ints({1, 1, 1, 1})}}},
      {"AveragePool", {1, 2, 7, 7}, {{"kernel_shape", test::attr_ints({3, 3})}, {"strides", test::attr_ints({2, 2})}, {"pads", test::attr_ints({1, 1, 1, 1})}, {"count_include_pad", test::attr_i(1)}}},
      {"AveragePool", {1, 1, 6, 6}, {{"kernel_shape", test::attr_ints({3, 3})}, {"strides", test::attr_ints({2, 2})}, {"pads", test::attr_ints({1, 1, 1, 1})}, {"count_include_pad", test::attr_i(1)}, {"ceil_mode", test::attr_i(1)}}},
      {"AveragePool", {1, 1, 5, 5}, {{"kernel_shape", test::attr_ints({2, 2})}, {"auto_pad", test::attr_s("SAME_UPPER")}, {"count_include_pad", test::attr_i(1)}}},
      {"AveragePool", {1, 3, 10}, {{"kernel_shape", test::attr_ints({4})}, {"strides", test::attr_ints({3})}, {"pads", test::attr_ints({2, 1})}}},
      {"MaxPool", {1, 1, 4, 5, 6}, {{"kernel_shape", test::attr_ints({2, 3, 2})}, {"strides", test::attr_ints({1, 2, 2})}}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.op);
    CAPTURE(c.x.size());
    int64_t count = 1;
    for (int64_t d : c.x) count *= d;
    std::vector<double> input(static_cast<size_t>(count));
    for (size_t i = 0; i < input.size(); ++i) input[i] = std::sin(static_cast<double>(i) * 0.37) * 5.0;
    const auto expected = test::run_node(c.op, {test::f32(c.x, input)}, c.attributes);
    const ir::Graph g = one_node_graph(c.op, c.x, c.attributes);
    const auto& y = test::tensor(g, "y").shape;
    const bool max = std::string(c.op) == "MaxPool";
    const auto params = runtime::cuda::pool_params(runtime::pool_geometry(g.nodes[0], c.x, y), c.x, y, max);
    const int64_t in_plane = count / (c.x[0] * c.x[1]);
    int64_t out_plane = 1;
    for (size_t d = 2; d < y.size(); ++d) out_plane *= y[d];
    std::vector<float> plane_input(input.begin(), input.end());
    std::vector<double> got;
    for (int64_t plane = 0; plane < c.x[0] * c.x[1]; ++plane)
      for (int64_t o = 0; o < out_plane; ++o) got.push_back(runtime::cuda::pool_output(params, plane_input.data() + plane * in_plane, o));
    test::check_close(got, expected[0].values, 1e-5);
  }
}

// ONNX's reference (numpy's max) keeps a NaN; oneDNN's max pooling on the CPU drops it (its
// max instruction returns the other operand), so only the window without one is compared.
TEST_CASE("device math: a NaN in a max-pooling window stays, as in ONNX's reference") {
  const std::vector<double> x = {1.0, std::nan(""), 5.0, 2.0, 3.0, 4.0};
  const ir::Attributes attributes = {{"kernel_shape", test::attr_ints({3})}, {"strides", test::attr_ints({3})}};
  const auto expected = test::run_node("MaxPool", {test::f32({1, 1, 6}, x)}, attributes);
  runtime::cuda::PoolParams p;
  p.in_dims[2] = 6;
  p.out_dims[2] = 2;
  p.kernel[2] = 3;
  p.strides[2] = 3;
  const std::vector<float> plane(x.begin(), x.end());
  CHECK(std::isnan(runtime::cuda::pool_output(p, plane.data(), 0)));
  CHECK(runtime::cuda::pool_output(p, plane.data(), 1) == expected[0].values[1]);
}

TEST_CASE("device math: ArgMax and TopK pick what the CPU kernels pick, ties and NaN included") {
  const std::vector<double> x = {3, 1, 3, std::nan(""), 2, 1, 3, -4};
  const std::vector<float> f(x.begin(), x.end());
  for (int64_t last : {0, 1}) {
    const auto expected = test::run_node("ArgMax", {test::f32({8}, x)}, {{"select_last_index", test::attr_i(last)}});
    CHECK(runtime::cuda::argmax_of(f.data(), 8, 1, last != 0) == static_cast<int64_t>(expected[0].values[0]));
  }
  const std::vector<double> y = {3, 1, 3, 2, 1, 3, -4, 0.5};
  const std::vector<float> g(y.begin(), y.end());
  for (int64_t largest : {0, 1}) {
    const auto expected = test::run_node("TopK", {test::f32({8}, y), test::i64({1}, {5})}, {{"largest", test::attr_i(largest)}}, 2, {1});
    std::vector<float> values(5);
    std::vector<int64_t> indices(5);
    runtime::cuda::topk_of(g.data(), 8, 1, 5, largest != 0, values.data(), indices.data(), 1);
    CHECK(std::vector<double>(values.begin(), values.end()) == expected[0].values);
    CHECK(std::vector<double>(indices.begin(), indices.end()) == expected[1].values);
  }
}

TEST_CASE("device math: integer division truncates toward zero and x/0 gives 0; launch geometry is capped") {
  using runtime::cuda::BinaryOp;
  CHECK(runtime::cuda::apply_arithmetic<int64_t>(BinaryOp::div, -7, 2) == -3);
  CHECK(runtime::cuda::apply_arithmetic<int32_t>(BinaryOp::div, 7, 0) == 0);
  CHECK(runtime::cuda::apply_arithmetic<float>(BinaryOp::div, 1.0f, 4.0f) == 0.25f);
  CHECK(runtime::cuda::apply_arithmetic<int32_t>(BinaryOp::div, std::numeric_limits<int32_t>::min(), -1) == std::numeric_limits<int32_t>::min());
  CHECK(runtime::cuda::apply_arithmetic<int32_t>(BinaryOp::add, std::numeric_limits<int32_t>::max(), 1) == std::numeric_limits<int32_t>::min());
  CHECK(runtime::cuda::apply_comparison<float>(BinaryOp::less, 1.0f, 2.0f));
  CHECK(runtime::cuda::blocks_for(0) == 1);
  CHECK(runtime::cuda::blocks_for(257) == 2);
  CHECK(runtime::cuda::blocks_for(int64_t{1} << 40) == runtime::cuda::max_blocks);
}
