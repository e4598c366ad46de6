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
  // Offers to apply `next` (the only reader of `host`'s only output, reading it as input 0,
  // with constant other inputs: an activation, a BatchNormalization) inside this kernel;
  // called before prepare(), possibly several times along a chain. A kernel that accepts
  // writes `next`'s values into its output and the executor skips `next`.
  virtual bool fuse_next(const ir::Graph& /*graph*/, const ir::Node& /*host*/, const ir::Node& /*next*/) { return false; }
};

}  // namespace runtime
