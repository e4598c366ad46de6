// Every op with a CUDA kernel, on the GPU against the CPU kernels (the oracle), on small cases
// that reach its special paths: broadcasting, negative strides, padding modes, ceil_mode,
// grouped and strided convolutions, batched and broadcast matrix products. Tolerances: exact
// for data movement, comparisons and integer arithmetic; 1e-5 relative for elementwise float
// math; 1e-4 for reductions, normalisations and products (another summation order).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "runtime/cpu/cpu_device.h"
#include "runtime/cuda/cuda_device.h"
#include "tests/runtime/cpu/kernel_test_util.h"

namespace {

std::vector<double> wave(int64_t n, double scale = 1.0) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = scale * std::sin(0.7 * static_cast<double>(i) + 0.3) * 2.0;
  return v;
}
test::Value f32(std::vector<int64_t> shape, double scale = 1.0) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return test::f32(shape, wave(n, scale));
}

// `constants`: inputs that are initializers; tolerance 0 means exactly equal.
void check_on_gpu(const std::string& op, const std::vector<test::Value>& inputs, const ir::Attributes& attributes = {},
                  const std::set<size_t>& constants = {}, double tolerance = 1e-5, int outputs = 1) {
  CAPTURE(op);
  const ir::Graph g = test::node_graph(op, inputs, attributes, outputs, constants);
  auto gpu = runtime::cuda::create_cuda_device(0);
  REQUIRE_MESSAGE(gpu->supports(g, g.nodes[0]), "the CUDA device declines " << op);
  runtime::cpu::CpuDevice cpu("cpu0", 1, {});
  const auto expected = test::run_graph_on(cpu, g, inputs, constants);
  const auto got = test::run_graph_on(*gpu, g, inputs, constants);
  REQUIRE(got.size() == expected.size());
  for (size_t k = 0; k < got.size(); ++k) {
    CHECK(got[k].shape == expected[k].shape);
    CHECK(got[k].dtype == expected[k].dtype);
    if (tolerance == 0.0) CHECK(got[k].values == expected[k].values);
    else test::check_close(got[k].values, expected[k].values, tolerance);
  }
}

}  // namespace

TEST_CASE("GPU ops: activations and unary math") {
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "HardSwish", "Softplus", "Gelu", "Exp", "Abs", "Neg", "Erf", "Elu", "LeakyRelu", "HardSigmoid"})
    check_on_gpu(op, {f32({2, 3, 5})});
  for (const char* op : {"Log", "Sqrt", "Reciprocal"}) check_on_gpu(op, {test::f32({4}, {0.5, 1.0, 2.5, 9.0})});
  check_on_gpu("Clip", {f32({3, 7}), test::f32({}, {-0.5}), test::f32({}, {1.25})}, {}, {1, 2});
  check_on_gpu("Not", {test::boolean({5}, {0, 1, 1, 0, 1})}, {}, {}, 0.0);
  check_on_gpu("Cast", {f32({6}, 40.0)}, {{"to", test::attr_i(7)}}, {}, 0.0);  // float -> int64
  check_on_gpu("Cast", {test::i64({4}, {0, 3, -2, 7})}, {{"to", test::attr_i(1)}}, {}, 0.0);
}

TEST_CASE("GPU ops: binary ops broadcast as numpy does, Where picks by a broadcast condition") {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    check_on_gpu(op, {f32({2, 3, 4}), f32({3, 1}, 0.5)});
    check_on_gpu(op, {f32({4}), f32({2, 3, 4}, 0.7)});
  }
  check_on_gpu("Pow", {test::f32({3}, {1.5, 2.0, 0.5}), test::f32({}, {2.0})}, {}, {1});
  check_on_gpu("Add", {test::i64({2, 2}, {1, -2, 3, 4}), test::i64({2}, {10, 20})}, {}, {}, 0.0);
  check_on_gpu("Div", {test::i64({4}, {7, -7, 9, 1}), test::i64({4}, {2, 2, -4, 0})}, {}, {}, 0.0);
  for (const char* op : {"Equal", "Less", "Greater"}) check_on_gpu(op, {f32({2, 3}), f32({3}, 0.8)}, {}, {}, 0.0);
  check_on_gpu("And", {test::boolean({4}, {0, 1, 1, 0}), test::boolean({2, 1}, {1, 0})}, {}, {}, 0.0);
  check_on_gpu("Where", {test::boolean({3, 1}, {1, 0, 1}), f32({3, 4}), f32({4}, 3.0)}, {}, {}, 0.0);
}

TEST_CASE("GPU ops: data movement moves the same elements as on the CPU") {
  check_on_gpu("Transpose", {f32({2, 3, 4, 5})}, {{"perm", test::attr_ints({0, 3, 1, 2})}}, {}, 0.0);
  check_on_gpu("Slice", {f32({6, 8}), test::i64({2}, {1, -1}), test::i64({2}, {5, -8}), test::i64({2}, {0, 1}), test::i64({2}, {2, -2})},
                {}, {1, 2, 3, 4}, 0.0);
  check_on_gpu("Expand", {f32({3, 1}), test::i64({3}, {2, 3, 4})}, {}, {1}, 0.0);
  check_on_gpu("Tile", {f32({2, 3}), test::i64({2}, {2, 3})}, {}, {1}, 0.0);
  check_on_gpu("Concat", {f32({2, 3, 4}), f32({2, 1, 4}, 2.0), f32({2, 2, 4}, 3.0)}, {{"axis", test::attr_i(1)}}, {}, 0.0);
  check_on_gpu("Split", {f32({2, 6, 3}), test::i64({3}, {1, 2, 3})}, {{"axis", test::attr_i(1)}}, {1}, 0.0, 3);
  check_on_gpu("Gather", {f32({5, 4}), test::i64({2, 3}, {0, 4, -1, 2, 2, 1})}, {{"axis", test::attr_i(0)}}, {1}, 0.0);
  check_on_gpu("Gather", {f32({3, 5, 2}), test::i64({2}, {4, 0})}, {{"axis", test::attr_i(1)}}, {}, 0.0);
  for (const char* mode : {"constant", "reflect", "edge", "wrap"})
    check_on_gpu("Pad", {f32({2, 3, 4}), test::i64({6}, {0, 1, 2, 1, 2, -1})}, {{"mode", test::attr_s(mode)}}, {1}, 0.0);
  // Resize: scales given, sizes given, each mode; the taps are the CPU's, applied on the GPU.
  check_on_gpu("Resize", {f32({1, 2, 4, 5}), test::none(), test::f32({4}, {1, 1, 2, 1.5})}, {{"mode", test::attr_s("nearest")}}, {2}, 0.0);
  check_on_gpu("Resize", {f32({1, 2, 4, 5}), test::none(), test::f32({4}, {1, 1, 0.6, 2})},
               {{"mode", test::attr_s("linear")}, {"coordinate_transformation_mode", test::attr_s("align_corners")}}, {2}, 1e-5);
  check_on_gpu("Resize", {f32({1, 1, 6, 6}), test::none(), test::none(), test::i64({4}, {1, 1, 9, 4})},
               {{"mode", test::attr_s("cubic")}, {"antialias", test::attr_i(1)}}, {3}, 1e-5);
  check_on_gpu("Reshape", {f32({2, 3, 4}), test::i64({2}, {4, -1})}, {}, {1}, 0.0);
  check_on_gpu("Flatten", {f32({2, 3, 4})}, {{"axis", test::attr_i(2)}}, {}, 0.0);
}

TEST_CASE("GPU ops: reductions, Softmax and normalisations") {
  for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"}) {
    check_on_gpu(op, {f32({2, 3, 4, 5}), test::i64({2}, {1, 3})}, {}, {1}, 1e-4);
    check_on_gpu(op, {f32({3, 70}), test::i64({1}, {-1})}, {{"keepdims", test::attr_i(0)}}, {1}, 1e-4);
  }
  check_on_gpu("ReduceMean", {f32({2, 5})}, {}, {}, 1e-4);  // every axis
  check_on_gpu("GlobalAveragePool", {f32({2, 3, 7, 7})}, {}, {}, 1e-4);
  check_on_gpu("GlobalMaxPool", {f32({2, 3, 5})}, {}, {}, 0.0);
  check_on_gpu("Softmax", {f32({2, 3, 50}, 3.0)}, {}, {}, 1e-4);
  check_on_gpu("Softmax", {f32({2, 7, 3})}, {{"axis", test::attr_i(1)}}, {}, 1e-4);
  check_on_gpu("LogSoftmax", {f32({4, 33}, 2.0)}, {}, {}, 1e-4);
  check_on_gpu("LayerNormalization", {f32({3, 5, 40}), f32({40}, 0.5), f32({40}, 0.1)}, {{"axis", test::attr_i(-1)}}, {1, 2}, 1e-4);
  check_on_gpu("InstanceNormalization", {f32({2, 3, 5, 4}), test::f32({3}, {1.0, 0.5, 2.0}), test::f32({3}, {0.1, 0.0, -0.2})}, {}, {1, 2}, 1e-4);
  check_on_gpu("ArgMax", {f32({3, 7, 4})}, {{"axis", test::attr_i(1)}}, {}, 0.0);
  check_on_gpu("ArgMax", {test::f32({2, 3}, {1, 5, 5, 2, 2, 0})}, {{"axis", test::attr_i(1)}, {"select_last_index", test::attr_i(1)}}, {}, 0.0);
  check_on_gpu("TopK", {f32({2, 50}), test::i64({1}, {5})}, {}, {1}, 0.0, 2);
  check_on_gpu("TopK", {test::f32({1, 6}, {3, 1, 3, 2, 1, 3}), test::i64({1}, {4})}, {{"largest", test::attr_i(0)}}, {1}, 0.0, 2);  // ties
  check_on_gpu("BatchNormalization",
                {f32({2, 3, 4, 4}), test::f32({3}, {1.0, 0.5, 2.0}), test::f32({3}, {0.1, 0.0, -0.2}), test::f32({3}, {0.3, -0.1, 0.0}),
                 test::f32({3}, {1.0, 0.25, 4.0})},
                {}, {1, 2, 3, 4}, 1e-4);
}

TEST_CASE("GPU ops: pooling windows, ceil_mode and padding included") {
  check_on_gpu("MaxPool", {f32({1, 2, 9, 9})}, {{"kernel_shape", test::attr_ints({3, 3})}, {"strides", test::attr_ints({2, 2})}, {"ceil_mode", test::attr_i(1)}}, {}, 0.0);
  check_on_gpu("MaxPool", {f32({2, 3, 8, 8})}, {{"kernel_shape", test::attr_ints({3, 3})}, {"pads", test::attr_ints({1, 1, 1, 1})}, {"strides", test::attr_ints({2, 2})}}, {}, 0.0);
  check_on_gpu("AveragePool", {f32({1, 2, 7, 7})}, {{"kernel_shape", test::attr_ints({3, 3})}, {"pads", test::attr_ints({1, 1, 1, 1})}, {"count_include_pad", test::attr_i(1)}}, {}, 1e-5);
  check_on_gpu("AveragePool", {f32({1, 2, 6, 6})}, {{"kernel_shape", test::attr_ints({3, 3})}, {"strides", test::attr_ints({2, 2})}, {"pads", test::attr_ints({1, 1, 1, 1})}, {"ceil_mode", test::attr_i(1)}}, {}, 1e-5);
  check_on_gpu("AveragePool", {f32({1, 3, 12})}, {{"kernel_shape", test::attr_ints({4})}, {"strides", test::attr_ints({3})}}, {}, 1e-5);
}

TEST_CASE("GPU ops: convolutions on cuDNN and products on cuBLAS") {
  check_on_gpu("Conv", {f32({2, 3, 9, 9}), f32({8, 3, 3, 3}, 0.2), f32({8}, 0.1)}, {{"pads", test::attr_ints({1, 1, 1, 1})}}, {1, 2}, 1e-4);
  check_on_gpu("Conv", {f32({1, 8, 10, 10}), f32({8, 2, 3, 3}, 0.2)}, {{"group", test::attr_i(4)}, {"strides", test::attr_ints({2, 2})}, {"dilations", test::attr_ints({2, 2})}}, {1}, 1e-4);
  check_on_gpu("Conv", {f32({1, 6, 10, 10}), f32({6, 1, 3, 3}, 0.2)}, {{"group", test::attr_i(6)}, {"pads", test::attr_ints({1, 1, 1, 1})}}, {1}, 1e-4);  // depthwise
  check_on_gpu("Conv", {f32({2, 4, 20}), f32({5, 4, 3}, 0.2)}, {{"pads", test::attr_ints({2, 2})}}, {1}, 1e-4);  // 1-D
  check_on_gpu("Conv", {f32({1, 2, 5, 6, 7}), f32({3, 2, 3, 3, 3}, 0.2)}, {}, {1}, 1e-4);  // 3-D
  check_on_gpu("ConvTranspose", {f32({1, 4, 5, 5}), f32({4, 3, 3, 3}, 0.2)}, {{"strides", test::attr_ints({2, 2})}, {"pads", test::attr_ints({1, 1, 1, 1})}}, {1}, 1e-4);
  check_on_gpu("MatMul", {f32({2, 3, 5, 7}), f32({7, 4}, 0.3)}, {}, {1}, 1e-4);            // B shared: one GEMM
  check_on_gpu("MatMul", {f32({2, 3, 5, 7}), f32({2, 3, 7, 4}, 0.3)}, {}, {}, 1e-4);       // strided batched
  check_on_gpu("MatMul", {f32({2, 1, 5, 7}), f32({1, 3, 7, 4}, 0.3)}, {}, {}, 1e-4);       // partial broadcast
  check_on_gpu("MatMul", {f32({7}), f32({3, 7, 4}, 0.3)}, {}, {}, 1e-4);                    // vector times batch
  check_on_gpu("Gemm", {f32({4, 6}), f32({5, 6}, 0.3), f32({5}, 0.2)}, {{"transB", test::attr_i(1)}, {"alpha", test::attr_f(0.5f)}, {"beta", test::attr_f(2.0f)}}, {1, 2}, 1e-4);
  check_on_gpu("Gemm", {f32({6, 4}), f32({6, 5}, 0.3)}, {{"transA", test::attr_i(1)}}, {1}, 1e-4);
}

TEST_CASE("GPU ops: LSTM, GRU and RNN cells step as the CPU's do") {
  const int64_t T = 5, N = 3, I = 4, H = 6;
  // LSTM, both directions, initial states and peepholes: Y, Y_h, Y_c.
  check_on_gpu("LSTM",
               {f32({T, N, I}), f32({2, 4 * H, I}, 0.3), f32({2, 4 * H, H}, 0.3), f32({2, 8 * H}, 0.1), test::none(), f32({2, N, H}, 0.5),
                f32({2, N, H}, 0.5), f32({2, 3 * H}, 0.2)},
               {{"hidden_size", test::attr_i(H)}, {"direction", test::attr_s("bidirectional")}}, {1, 2, 3, 7}, 1e-4, 3);
  check_on_gpu("LSTM", {f32({T, N, I}), f32({1, 4 * H, I}, 0.3), f32({1, 4 * H, H}, 0.3)},
               {{"hidden_size", test::attr_i(H)}, {"clip", test::attr_f(0.7f)}, {"input_forget", test::attr_i(1)}}, {1, 2}, 1e-4, 3);
  for (int64_t lbr : {0, 1})
    check_on_gpu("GRU", {f32({T, N, I}), f32({2, 3 * H, I}, 0.3), f32({2, 3 * H, H}, 0.3), f32({2, 6 * H}, 0.1)},
                 {{"hidden_size", test::attr_i(H)}, {"direction", test::attr_s("bidirectional")}, {"linear_before_reset", test::attr_i(lbr)}},
                 {1, 2, 3}, 1e-4, 2);
  check_on_gpu("RNN", {f32({T, N, I}), f32({1, H, I}, 0.3), f32({1, H, H}, 0.3), f32({1, 2 * H}, 0.1)},
               {{"hidden_size", test::attr_i(H)}, {"direction", test::attr_s("reverse")}, {"activations", test::attr_strings({"Relu"})}}, {1, 2, 3},
               1e-4, 2);
}
