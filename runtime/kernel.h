#pragma once
// A compiled node on one device. prepare() does everything that is not the op itself
// (attribute checks, weight reorders, primitive creation) and is never timed; run() is
// exactly the op and is what the profiler times.
#include <vector>

#include "ir/graph.h"
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
  // Offers to apply `activation` (a one-input elementwise node reading this node's only
  // output) inside this kernel; called before prepare(). A kernel that accepts writes the
  // activated values into its output and the executor skips the activation node.
  virtual bool fuse_activation(const ir::Node& /*activation*/) { return false; }
};

}  // namespace runtime
