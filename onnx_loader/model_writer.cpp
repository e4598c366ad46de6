#include "onnx_loader/model_writer.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include <onnx/onnx_pb.h>

#include "ir/error.h"

namespace onnx_loader {

namespace {

void fill_tensor(onnx::TensorProto& proto, const std::string& name, const ir::TensorData& data) {
  proto.set_name(name);
  proto.set_data_type(static_cast<int32_t>(data.dtype));
  for (int64_t d : data.dims) proto.add_dims(d);
  proto.set_raw_data(data.bytes);  // the one copy of this part's weights, freed with the proto
}

void fill_value_info(onnx::ValueInfoProto& info, const ir::Tensor& t) {
  info.set_name(t.name);
  onnx::TypeProto_Tensor& type = *info.mutable_type()->mutable_tensor_type();
  type.set_elem_type(static_cast<int32_t>(t.dtype));
  onnx::TensorShapeProto& shape = *type.mutable_shape();
  for (int64_t d : t.shape) shape.add_dim()->set_dim_value(d);
}

void fill_attribute(onnx::AttributeProto& proto, const std::string& name, const ir::Attribute& a, const ir::Node& node) {
  using Kind = ir::Attribute::Kind;
  proto.set_name(name);
  switch (a.kind) {
    case Kind::int_: proto.set_type(onnx::AttributeProto_AttributeType_INT); proto.set_i(a.i); return;
    case Kind::float_: proto.set_type(onnx::AttributeProto_AttributeType_FLOAT); proto.set_f(a.f); return;
    case Kind::string: proto.set_type(onnx::AttributeProto_AttributeType_STRING); proto.set_s(a.s); return;
    case Kind::ints:
      proto.set_type(onnx::AttributeProto_AttributeType_INTS);
      for (int64_t v : a.ints) proto.add_ints(v);
      return;
    case Kind::floats:
      proto.set_type(onnx::AttributeProto_AttributeType_FLOATS);
      for (float v : a.floats) proto.add_floats(v);
      return;
    case Kind::strings:
      proto.set_type(onnx::AttributeProto_AttributeType_STRINGS);
      for (const std::string& v : a.strings) proto.add_strings(v);
      return;
    case Kind::tensor:
      proto.set_type(onnx::AttributeProto_AttributeType_TENSOR);
      fill_tensor(*proto.mutable_t(), "", *a.tensor);
      return;
    case Kind::graph:
    case Kind::other: break;
  }
  throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "': attribute '" + name + "' is of a kind partplan does not keep (a graph, a sparse tensor or a type); it cannot be exported");
}

}  // namespace

void write_subgraph_model(const ir::Graph& graph, const SubgraphModel& part, const std::string& path) {
  onnx::ModelProto model;
  if (graph.opset <= 0) throw ir::Error(ir::ErrorKind::unsupported, path + ": the model names no default-domain opset; its parts cannot say which ops they hold");
  // IR 4 is the first where initializers need not also be graph inputs (the parts' are not).
  model.set_ir_version(std::max<int64_t>(graph.ir_version, 4));
  model.set_producer_name("partplan");
  model.set_producer_version("export");
  onnx::OperatorSetIdProto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(graph.opset);
  onnx::GraphProto& g = *model.mutable_graph();
  g.set_name(part.name);

  std::set<ir::TensorId> given(part.inputs.begin(), part.inputs.end()), constants;
  const std::set<ir::NodeId> members(part.nodes.begin(), part.nodes.end());
  for (ir::TensorId t : part.inputs) fill_value_info(*g.add_input(), graph.tensor(t));
  for (ir::TensorId t : part.outputs) fill_value_info(*g.add_output(), graph.tensor(t));
  for (ir::NodeId id : part.nodes) {
    const ir::Node& node = graph.node(id);
    if (!node.domain.empty() && node.domain != "ai.onnx")
      throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "' is of domain '" + node.domain + "'; only the default ONNX domain is exported");
    if (node.has_subgraph) throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "' holds a nested graph; it cannot be exported");
    onnx::NodeProto& n = *g.add_node();
    n.set_name(node.name);
    n.set_op_type(node.op_type);
    for (ir::TensorId t : node.inputs) {
      n.add_input(t == ir::no_tensor ? "" : graph.tensor(t).name);
      // A value known while resolving shapes becomes an initializer, unless a node of this part
      // writes it (a node folded only in part, such as Dropout's output beside its mask).
      if (t != ir::no_tensor && !given.count(t) && graph.tensor(t).value && !members.count(graph.tensor(t).producer)) constants.insert(t);
    }
    for (ir::TensorId t : node.outputs) n.add_output(t == ir::no_tensor ? "" : graph.tensor(t).name);
    for (const auto& [name, attribute] : node.attributes) fill_attribute(*n.add_attribute(), name, attribute, node);
  }
  for (ir::TensorId t : constants) fill_tensor(*g.add_initializer(), graph.tensor(t).name, *graph.tensor(t).value);

  // Streamed into a temporary file beside the target, renamed when complete.
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out || !model.SerializeToOstream(&out) || !out.flush()) {
      out.close();
      std::remove(temporary.c_str());
      throw ir::Error(ir::ErrorKind::file, path + ": cannot write the model (" + (model.ByteSizeLong() > (1ULL << 31) ? "over protobuf's 2 GiB" : "disk full or no permission") + ")");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw ir::Error(ir::ErrorKind::file, path + ": cannot rename the written model into place");
  }
}

}  // namespace onnx_loader
