#pragma once
// Collects a model's pieces by name, then validates and orders them into an ir::Graph.
// build() throws ir::Error(model) on a duplicate tensor or node name, a dangling input
// (used but never produced) or a cycle, naming the node and tensor.
#include <string>
#include <vector>

#include "ir/graph.h"

namespace ir {

struct NodeSpec {
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<std::string> inputs;   // "" for an omitted optional input
  std::vector<std::string> outputs;  // "" for an omitted optional output
  Attributes attributes;
  bool has_subgraph = false;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string model_label) : label_(std::move(model_label)) {}

  void set_versions(int64_t ir_version, int64_t opset) {
    ir_version_ = ir_version;
    opset_ = opset;
  }
  void set_name(std::string graph_name) { name_ = std::move(graph_name); }
  void add_input(const std::string& name, DType dtype, std::optional<std::vector<Dim>> shape);
  void add_initializer(const std::string& name, TensorData data);
  // The same, sharing bytes another graph holds (no copy: a node profiled on its own keeps
  // the model's weights where they are).
  void add_initializer(const std::string& name, std::shared_ptr<const TensorData> data);
  // A Constant node's output, folded to a value (not a weight: kept out of parameter counts).
  void add_constant(const std::string& name, TensorData data);
  void add_constant(const std::string& name, std::shared_ptr<const TensorData> data);
  // Shape/type the model declares for an intermediate tensor (value_info); informative only.
  void add_value_info(const std::string& name, DType dtype, std::optional<std::vector<Dim>> shape);
  void add_node(NodeSpec node);
  void add_output(const std::string& name, DType dtype, std::optional<std::vector<Dim>> shape);

  Graph build() &&;

 private:
  struct Declared {
    DType dtype = DType::undefined;
    std::optional<std::vector<Dim>> shape;
  };
  std::string label_;  // the model file, for messages
  std::string name_;
  int64_t ir_version_ = 0;
  int64_t opset_ = 0;
  std::vector<std::pair<std::string, Declared>> inputs_;
  struct Value {
    std::string name;
    std::shared_ptr<const TensorData> data;
    TensorKind kind;
  };
  std::vector<Value> values_;  // initializers and constants, in model order
  std::vector<std::pair<std::string, Declared>> value_infos_;
  std::vector<NodeSpec> nodes_;
  std::vector<std::pair<std::string, Declared>> outputs_;
};

}  // namespace ir
