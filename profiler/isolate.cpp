#include "profiler/isolate.h"

#include <set>

#include "ir/error.h"
#include "ir/graph_builder.h"
#include "ir/shape_inference.h"

namespace profiler {

ir::Graph isolate_node(const ir::Graph& graph, ir::NodeId id) {
  const ir::Node& node = graph.node(id);
  ir::GraphBuilder builder(graph.name + ":" + node.name);
  builder.set_versions(graph.ir_version, graph.opset);
  ir::NodeSpec spec{node.name, node.op_type, node.domain, {}, {}, node.attributes, node.has_subgraph};
  std::set<ir::TensorId> declared;  // a tensor read twice (Mul(x, x), LSTM's initial_h and _c) is declared once
  for (ir::TensorId t : node.inputs) {
    if (t == ir::no_tensor) {
      spec.inputs.emplace_back();
      continue;
    }
    const ir::Tensor& tensor = graph.tensor(t);
    spec.inputs.push_back(tensor.name);
    if (!declared.insert(t).second) continue;
    if (tensor.value) {
      if (tensor.kind == ir::TensorKind::initializer) builder.add_initializer(tensor.name, tensor.value);
      else builder.add_constant(tensor.name, tensor.value);
      continue;
    }
    if (!tensor.shape_known)
      throw ir::Error(ir::ErrorKind::shape, "node '" + node.name + "': input '" + tensor.name + "' has no resolved shape to profile it with");
    std::vector<ir::Dim> dims;
    for (int64_t d : tensor.shape) dims.push_back(ir::Dim{d, ""});
    builder.add_input(tensor.name, tensor.dtype, dims);
  }
  for (ir::TensorId t : node.outputs) {
    spec.outputs.push_back(t == ir::no_tensor ? std::string() : graph.tensor(t).name);
    if (t != ir::no_tensor) builder.add_output(graph.tensor(t).name, graph.tensor(t).dtype, std::nullopt);
  }
  builder.add_node(std::move(spec));
  ir::Graph isolated = std::move(builder).build();
  ir::resolve_shapes(isolated, {}, isolated.name);
  return isolated;
}

}  // namespace profiler
