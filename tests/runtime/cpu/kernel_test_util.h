#pragma once
// Runs one ONNX node on a CPU device from plain vectors, for kernel unit tests:
//   auto out = test::run_node("Add", {test::f32({2, 1}, {1, 2}), test::f32({3}, {10, 20, 30})});
//   CHECK(out[0].shape == std::vector<int64_t>{2, 3});
// Inputs named in `constant_inputs` become initializers (shape, axes, K... as in exported models).
#include <doctest/doctest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "ir/graph_builder.h"
#include "ir/shape_inference.h"
#include "runtime/cpu/cpu_device.h"
#include "runtime/executor.h"

namespace test {

struct Value {
  ir::DType dtype = ir::DType::float32;
  std::vector<int64_t> shape;
  std::vector<double> values;  // converted to dtype; ints and bools exactly
  bool omitted = false;        // an omitted optional input ("" in ONNX)
};

inline Value f32(std::vector<int64_t> shape, std::vector<double> values) { return {ir::DType::float32, std::move(shape), std::move(values)}; }
inline Value i64(std::vector<int64_t> shape, std::vector<double> values) { return {ir::DType::int64, std::move(shape), std::move(values)}; }
inline Value boolean(std::vector<int64_t> shape, std::vector<double> values) { return {ir::DType::boolean, std::move(shape), std::move(values)}; }
inline Value none() { Value v; v.omitted = true; return v; }

inline ir::Attribute attr_i(int64_t v) { ir::Attribute a; a.kind = ir::Attribute::Kind::int_; a.i = v; return a; }
inline ir::Attribute attr_f(float v) { ir::Attribute a; a.kind = ir::Attribute::Kind::float_; a.f = v; return a; }
inline ir::Attribute attr_s(std::string v) { ir::Attribute a; a.kind = ir::Attribute::Kind::string; a.s = std::move(v); return a; }
inline ir::Attribute attr_ints(std::vector<int64_t> v) { ir::Attribute a; a.kind = ir::Attribute::Kind::ints; a.ints = std::move(v); return a; }
inline ir::Attribute attr_strings(std::vector<std::string> v) { ir::Attribute a; a.kind = ir::Attribute::Kind::strings; a.strings = std::move(v); return a; }
inline ir::Attribute attr_floats(std::vector<float> v) { ir::Attribute a; a.kind = ir::Attribute::Kind::floats; a.floats = std::move(v); return a; }

inline ir::TensorData to_data(const Value& v) {
  if (v.dtype == ir::DType::float32 || v.dtype == ir::DType::float64) return ir::TensorData::from_doubles(v.dtype, v.shape, v.values);
  std::vector<int64_t> ints(v.values.begin(), v.values.end());
  return ir::TensorData::from_int64s(v.dtype, v.shape, ints);
}

// Output values as doubles, with shape and dtype.
struct Result {
  ir::DType dtype;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

// A graph of the one node, shapes resolved; inputs in `constant_inputs` are initializers.
inline ir::Graph node_graph(const std::string& op, const std::vector<Value>& inputs, ir::Attributes attributes = {}, int output_count = 1,
                            const std::set<size_t>& constant_inputs = {}, int64_t opset = 21) {
  ir::GraphBuilder b("test.onnx");
  b.set_versions(8, opset);
  ir::NodeSpec n;
  n.name = "node";
  n.op_type = op;
  n.attributes = std::move(attributes);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].omitted) {
      n.inputs.push_back("");
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    n.inputs.push_back(name);
    if (constant_inputs.count(i)) {
      b.add_initializer(name, to_data(inputs[i]));
    } else {
      std::vector<ir::Dim> dims;
      for (int64_t d : inputs[i].shape) dims.push_back(ir::Dim{d, ""});
      b.add_input(name, inputs[i].dtype, dims);
    }
  }
  for (int k = 0; k < output_count; ++k) n.outputs.push_back("out" + std::to_string(k));
  b.add_node(n);
  for (int k = 0; k < output_count; ++k) b.add_output("out" + std::to_string(k), ir::DType::undefined, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "test.onnx");
  // The node under test must run as a kernel even when its inputs are all constant.
  for (ir::Tensor& t : g.tensors)
    if (t.kind == ir::TensorKind::activation) t.value.reset();
  return g;
}

// Runs the graph once on `device`: the non-constant inputs (in order) copied into its memory,
// the outputs copied back.
inline std::vector<Result> run_graph_on(runtime::Device& device, const ir::Graph& g, const std::vector<Value>& inputs,
                                        const std::set<size_t>& constant_inputs = {}) {
  runtime::Executor executor(g, device);
  std::vector<runtime::Tensor> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].omitted || constant_inputs.count(i)) continue;
    runtime::Tensor t = device.allocate(inputs[i].dtype, inputs[i].shape);
    const ir::TensorData data = to_data(inputs[i]);
    device.copy_from_host(data.bytes.data(), t);
    feeds.push_back(t);
  }
  std::vector<Result> results;
  const std::vector<int> holders = executor.output_devices();
  const std::vector<runtime::Tensor> outputs = executor.run(feeds);
  for (size_t k = 0; k < outputs.size(); ++k) {
    const runtime::Tensor& t = outputs[k];
    ir::TensorData data;
    data.dtype = t.dtype;
    data.dims = t.shape;
    data.bytes.resize(static_cast<size_t>(t.size_bytes()));
    if (holders[k] < 0) std::memcpy(data.bytes.data(), t.data, data.bytes.size());
    else device.copy_to_host(t, data.bytes.data());
    results.push_back({t.dtype, t.shape, data.to_doubles()});
  }
  return results;
}

inline std::vector<Result> run_node(const std::string& op, const std::vector<Value>& inputs, ir::Attributes attributes = {},
                                    int output_count = 1, const std::set<size_t>& constant_inputs = {}, int64_t opset = 21,
                                    int threads = 1) {
  const ir::Graph g = node_graph(op, inputs, std::move(attributes), output_count, constant_inputs, opset);
  runtime::cpu::CpuDevice device("cpu0", threads, {});
  return run_graph_on(device, g, inputs, constant_inputs);
}

inline void check_close(const std::vector<double>& got, const std::vector<double>& expected, double tolerance = 1e-5) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK_MESSAGE(got[i] == doctest::Approx(expected[i]).epsilon(tolerance).scale(1.0), "index " << i);
}

}  // namespace test
