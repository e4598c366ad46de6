#pragma once
// What a shape function sees of one node: its inputs' resolved shapes, types and (when
// known) constant values, its attributes, the opset; and where it writes output shapes.
#include <cstdint>
#include <string>
#include <vector>

#include "ir/error.h"
#include "ir/graph.h"

namespace ir {

class ShapeContext {
 public:
  ShapeContext(Graph& graph, NodeId node, const std::string& model_label);

  const Node& node() const { return node_; }
  int64_t opset() const { return graph_.opset; }

  size_t input_count() const { return node_.inputs.size(); }
  bool has_input(size_t i) const { return node_.has_input(i); }
  const std::vector<int64_t>& input_shape(size_t i) const;
  int64_t input_rank(size_t i) const { return static_cast<int64_t>(input_shape(i).size()); }
  DType input_dtype(size_t i) const;
  // The input's constant value (weight or folded), or nullptr when it is only known at run time.
  const TensorData* input_value(size_t i) const;
  // The input's value as integers; fails naming `role` when the value is not a constant.
  std::vector<int64_t> input_ints(size_t i, const std::string& role) const;

  bool has_attr(const std::string& name) const { return node_.attributes.count(name) != 0; }
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  float attr_float(const std::string& name, float fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name) const;  // empty when absent
  const Attribute* attr(const std::string& name) const;

  size_t output_count() const { return node_.outputs.size(); }
  bool has_output(size_t i) const { return node_.has_output(i); }
  void set_output(size_t i, DType dtype, std::vector<int64_t> shape);

  // Axis in [-rank, rank) -> [0, rank); fails otherwise.
  int64_t normalize_axis(int64_t axis, int64_t rank, const std::string& what) const;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  Graph& graph_;
  const Node& node_;
  const std::string& label_;
};

using ShapeFunction = void (*)(ShapeContext&);

// Multidirectional (numpy) broadcast of two shapes; fails through ctx when incompatible.
std::vector<int64_t> broadcast_shapes(const ShapeContext& ctx, const std::vector<int64_t>& a,
                                      const std::vector<int64_t>& b);

// One declaration per shape function named in ir/ops.def.
#define PARTPLAN_OP(name, shape_fn, cost_fn) void shape_fn(ShapeContext& ctx);
#include "ir/ops.def"
#undef PARTPLAN_OP

}  // namespace ir
