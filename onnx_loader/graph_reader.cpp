#include "onnx_loader/graph_reader.h"

#include "ir/error.h"
#include "ir/graph_builder.h"

namespace onnx_loader {

namespace {

using Kind = ir::Attribute::Kind;

// Older exporters leave AttributeProto.type unset; then the filled field tells.
onnx::AttributeProto_AttributeType attribute_type(const onnx::AttributeProto& a) {
  if (a.type() != onnx::AttributeProto_AttributeType_UNDEFINED) return a.type();
  if (a.has_i()) return onnx::AttributeProto_AttributeType_INT;
  if (a.has_f()) return onnx::AttributeProto_AttributeType_FLOAT;
  if (a.has_s()) return onnx::AttributeProto_AttributeType_STRING;
  if (a.has_t()) return onnx::AttributeProto_AttributeType_TENSOR;
  if (a.has_g()) return onnx::AttributeProto_AttributeType_GRAPH;
  if (a.ints_size()) return onnx::AttributeProto_AttributeType_INTS;
  if (a.floats_size()) return onnx::AttributeProto_AttributeType_FLOATS;
  if (a.strings_size()) return onnx::AttributeProto_AttributeType_STRINGS;
  if (a.graphs_size()) return onnx::AttributeProto_AttributeType_GRAPHS;
  return onnx::AttributeProto_AttributeType_UNDEFINED;
}

ir::Attribute read_attribute(onnx::AttributeProto& a, const TensorSource& source, bool& has_subgraph) {
  ir::Attribute out;
  switch (attribute_type(a)) {
    case onnx::AttributeProto_AttributeType_INT: out.kind = Kind::int_; out.i = a.i(); break;
    case onnx::AttributeProto_AttributeType_FLOAT: out.kind = Kind::float_; out.f = a.f(); break;
    case onnx::AttributeProto_AttributeType_STRING: out.kind = Kind::string; out.s = a.s(); break;
    case onnx::AttributeProto_AttributeType_INTS: out.kind = Kind::ints; out.ints.assign(a.ints().begin(), a.ints().end()); break;
    case onnx::AttributeProto_AttributeType_FLOATS: out.kind = Kind::floats; out.floats.assign(a.floats().begin(), a.floats().end()); break;
    case onnx::AttributeProto_AttributeType_STRINGS: out.kind = Kind::strings; out.strings.assign(a.strings().begin(), a.strings().end()); break;
    case onnx::AttributeProto_AttributeType_TENSOR:
      out.kind = Kind::tensor;
      out.tensor = std::make_shared<const ir::TensorData>(take_tensor(*a.mutable_t(), source));
      break;
    case onnx::AttributeProto_AttributeType_GRAPH:
    case onnx::AttributeProto_AttributeType_GRAPHS:
      out.kind = Kind::graph;
      has_subgraph = true;
      break;
    default: out.kind = Kind::other; break;
  }
  return out;
}

std::optional<std::vector<ir::Dim>> read_dims(const onnx::TypeProto_Tensor& type) {
  if (!type.has_shape()) return std::nullopt;
  std::vector<ir::Dim> dims;
  for (const auto& d : type.shape().dim()) {
    ir::Dim dim;
    if (d.has_dim_value()) dim.value = d.dim_value();
    else if (d.has_dim_param()) dim.symbol = d.dim_param();
    dims.push_back(dim);
  }
  return dims;
}

ir::DType read_dtype(int32_t code) {
  return ir::is_known_dtype(code) ? static_cast<ir::DType>(code) : ir::DType::undefined;
}

// A Constant node's value as a tensor; nullopt for forms partplan keeps as a node (sparse).
std::optional<ir::TensorData> constant_value(onnx::NodeProto& node, const TensorSource& source) {
  for (auto& a : *node.mutable_attribute()) {
    const std::string& key = a.name();
    if (key == "value") return take_tensor(*a.mutable_t(), source);
    if (key == "value_float") return ir::TensorData::from_doubles(ir::DType::float32, {}, {a.f()});
    if (key == "value_int") return ir::TensorData::from_int64s(ir::DType::int64, {}, {a.i()});
    if (key == "value_floats") {
      std::vector<double> v(a.floats().begin(), a.floats().end());
      return ir::TensorData::from_doubles(ir::DType::float32, {static_cast<int64_t>(v.size())}, v);
    }
    if (key == "value_ints") {
      std::vector<int64_t> v(a.ints().begin(), a.ints().end());
      return ir::TensorData::from_int64s(ir::DType::int64, {static_cast<int64_t>(v.size())}, v);
    }
  }
  return std::nullopt;
}

}  // namespace

ir::Graph read_graph(onnx::GraphProto& graph, int64_t ir_version, int64_t opset, const TensorSource& source) {
  ir::GraphBuilder builder(source.label);
  builder.set_versions(ir_version, opset);
  builder.set_name(graph.name());

  for (auto& init : *graph.mutable_initializer()) builder.add_initializer(init.name(), take_tensor(init, source));
  graph.clear_initializer();  // their buffers now live in the ir graph
  if (graph.sparse_initializer_size() > 0)
    throw ir::Error(ir::ErrorKind::model, source.label + ": sparse initializer '" + graph.sparse_initializer(0).values().name() + "' is not supported");

  auto tensor_type = [&](const onnx::ValueInfoProto& v, const char* what) -> const onnx::TypeProto_Tensor* {
    if (!v.has_type()) return nullptr;
    if (!v.type().has_tensor_type())
      throw ir::Error(ir::ErrorKind::model, source.label + ": " + what + " '" + v.name() + "' is not a tensor (sequences and maps are not supported)");
    return &v.type().tensor_type();
  };
  for (const auto& in : graph.input()) {
    const auto* type = tensor_type(in, "graph input");
    builder.add_input(in.name(), type ? read_dtype(type->elem_type()) : ir::DType::undefined, type ? read_dims(*type) : std::nullopt);
  }
  for (const auto& info : graph.value_info()) {
    if (!info.has_type() || !info.type().has_tensor_type()) continue;
    builder.add_value_info(info.name(), read_dtype(info.type().tensor_type().elem_type()), read_dims(info.type().tensor_type()));
  }
  for (const auto& out : graph.output()) {
    const auto* type = tensor_type(out, "graph output");
    builder.add_output(out.name(), type ? read_dtype(type->elem_type()) : ir::DType::undefined, type ? read_dims(*type) : std::nullopt);
  }

  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto& node = *graph.mutable_node(i);
    const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    if (default_domain && node.op_type() == "Constant" && node.output_size() == 1) {
      if (auto value = constant_value(node, source)) {
        builder.add_constant(node.output(0), std::move(*value));
        continue;
      }
    }
    ir::NodeSpec spec;
    spec.name = node.name();
    spec.op_type = node.op_type();
    spec.domain = node.domain();
    spec.inputs.assign(node.input().begin(), node.input().end());
    spec.outputs.assign(node.output().begin(), node.output().end());
    for (auto& a : *node.mutable_attribute()) spec.attributes[a.name()] = read_attribute(a, source, spec.has_subgraph);
    builder.add_node(std::move(spec));
  }
  return std::move(builder).build();
}

}  // namespace onnx_loader
