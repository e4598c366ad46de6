#pragma once
// The model as partplan sees it: nodes in topological order over named tensors.
// Built by ir::GraphBuilder (which validates), then shapes and costs are filled in
// by ir::resolve_shapes and ir::compute_costs.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/attribute.h"
#include "ir/dtype.h"
#include "ir/ops.h"
#include "ir/tensor_data.h"

namespace ir {

using TensorId = int32_t;
using NodeId = int32_t;
inline constexpr TensorId no_tensor = -1;  // an omitted optional input/output
inline constexpr NodeId no_node = -1;

// A declared dimension: a value, a named symbol ("batch"), or unnamed unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when known
  std::string symbol;  // the dim_param, empty when unnamed
  bool is_known() const { return value >= 0; }
};

// initializer: a weight stored in the model; constant: a Constant node's value (folded by
// the loader), not counted as a parameter; activation: computed by a node.
enum class TensorKind { input, initializer, constant, activation };

struct Tensor {
  std::string name;
  TensorKind kind = TensorKind::activation;
  DType dtype = DType::undefined;
  std::optional<std::vector<Dim>> declared_shape;  // as written in the model, if it says
  // Resolved concrete shape; valid when shape_known (set by resolve_shapes).
  std::vector<int64_t> shape;
  bool shape_known = false;
  NodeId producer = no_node;
  std::vector<NodeId> consumers;  // one entry per consuming input slot's node (deduplicated)
  bool is_graph_output = false;
  // Weights (initializers) or a value folded while resolving shapes (e.g. a Shape output).
  std::shared_ptr<const TensorData> value;

  int64_t size_bytes() const;  // 0 when the shape is unknown
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" for the default ONNX domain
  OpKind op = OpKind::unknown;
  std::vector<TensorId> inputs;   // no_tensor for an omitted optional input
  std::vector<TensorId> outputs;  // no_tensor for an omitted optional output
  Attributes attributes;
  bool has_subgraph = false;  // If/Loop/Scan bodies: reported as unsupported

  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != no_tensor; }
  bool has_output(size_t i) const { return i < outputs.size() && outputs[i] != no_tensor; }
};

struct NodeCost {
  double flops = 0;  // a multiply-add counts 2
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t param_bytes = 0;  // inputs that are floating-point initializers (weights)
};

class Graph {
 public:
  std::string name;
  int64_t ir_version = 0;
  int64_t opset = 0;  // of the default domain
  std::vector<Node> nodes;  // topological order
  std::vector<Tensor> tensors;
  std::vector<TensorId> inputs;   // real inputs (initializers excluded)
  std::vector<TensorId> outputs;
  std::vector<NodeCost> costs;  // per node, filled by compute_costs

  const Tensor& tensor(TensorId id) const { return tensors.at(static_cast<size_t>(id)); }
  Tensor& tensor(TensorId id) { return tensors.at(static_cast<size_t>(id)); }
  const Node& node(NodeId id) const { return nodes.at(static_cast<size_t>(id)); }
  std::optional<TensorId> find_tensor(const std::string& tensor_name) const;

 private:
  friend class GraphBuilder;
  std::unordered_map<std::string, TensorId> tensor_index_;
};

}  // namespace ir
