#pragma once
// A compiled node on one device. prepare() does everything that is not the op itself
// (attribute checks, weight reorders, primitive creation) and is never timed; run() is
// exactly the op and is what the profiler times.
#include <vector>

#include "ir/graph.h"
#include "runtime/layout.h"
#include "runtime/tensor.h"

namespace runtime {

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Called once before any run. Throws ir::Error(unsupported) for an attribute value or
  // dtype the kernel does not handle, naming the node.
  virtual void prepare(const ir::Graph& graph, const ir::Node& node) = 0;
  // Inputs are in the node's input order (nullptr for an omitted optional input); outputs
  // are allocated with their resolved shapes (nullptr for an omitted optional output).
  virtual void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) = 0;
  // Offers to apply `next` inside this kernel: nodes that together compute one function of the
  // host's current output and are its only readers — a single node (an activation, a
  // BatchNormalization: reading it as input 0, or either input of Add/Mul, other inputs
  // constant) or Sigmoid then Mul
  // (x * sigmoid(x)). Called before prepare(), possibly several times along a chain. A kernel
  // that accepts writes the last node's values into its output and the executor skips them.
  virtual bool fuse_next(const ir::Graph& /*graph*/, const ir::Node& /*host*/, const std::vector<const ir::Node*>& /*next*/) {
    return false;
  }
  // Bytes the kernel holds between runs: weights reordered into oneDNN's layouts, primitive
  // scratchpads, staging buffers. Part of what a node costs in device memory.
  virtual int64_t owned_bytes() const { return 0; }
  // True when prepare() copied constant input `input` into memory of its own (weights
  // reordered into oneDNN's layout, a folded bias), so run() never reads it: the executor then
  // lets the loaded weight go, and the model's weights are held once.
  virtual bool holds_copy_of_input(size_t /*input*/) const { return false; }
  // Which activation layouts the kernel handles; asked after fuse_next, before prepare().
  virtual LayoutRule layout_rule(const ir::Graph& /*graph*/, const ir::Node& /*node*/) const { return LayoutRule::plain_only; }
  // The layouts the executor chose, per node input and output (a layout-invariant tensor is
  // reported in the layout the node runs in); called before prepare(). Unset means plain.
  void set_layouts(std::vector<Layout> inputs, std::vector<Layout> outputs) {
    input_layouts_ = std::move(inputs);
    output_layouts_ = std::move(outputs);
  }

 protected:
  Layout input_layout(size_t i) const { return i < input_layouts_.size() ? input_layouts_[i] : Layout::plain; }
  Layout output_layout(size_t i) const { return i < output_layouts_.size() ? output_layouts_[i] : Layout::plain; }

 private:
  std::vector<Layout> input_layouts_, output_layouts_;
};

}  // namespace runtime
