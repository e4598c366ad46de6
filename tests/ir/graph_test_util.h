#pragma once
// Small helpers to build ir graphs in tests without an ONNX file.
#include <string>
#include <vector>

#include "ir/graph_builder.h"

namespace test {

inline std::vector<ir::Dim> dims(std::initializer_list<const char*> spec) {
  std::vector<ir::Dim> out;
  for (const char* d : spec) {
    ir::Dim dim;
    if (d[0] >= '0' && d[0] <= '9') dim.value = std::stoll(d);
    else dim.symbol = d;
    out.push_back(dim);
  }
  return out;
}

inline ir::NodeSpec node(const std::string& name, const std::string& op, std::vector<std::string> in,
                         std::vector<std::string> out, ir::Attributes attrs = {}) {
  ir::NodeSpec n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attributes = std::move(attrs);
  return n;
}

inline ir::Attribute ints(std::vector<int64_t> v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::ints;
  a.ints = std::move(v);
  return a;
}

inline ir::Attribute int_attr(int64_t v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::int_;
  a.i = v;
  return a;
}

inline ir::TensorData int64s(std::vector<int64_t> dims_, std::vector<int64_t> values) {
  return ir::TensorData::from_int64s(ir::DType::int64, std::move(dims_), values);
}

inline ir::TensorData floats(std::vector<int64_t> dims_) {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return ir::TensorData::from_doubles(ir::DType::float32, std::move(dims_), std::vector<double>(static_cast<size_t>(n), 0.5));
}

inline const ir::Tensor& tensor(const ir::Graph& g, const std::string& name) { return g.tensor(*g.find_tensor(name)); }

}  // namespace test
