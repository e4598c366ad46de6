#pragma once
// LSTM, GRU and RNN on oneDNN's RNN primitives, for the nodes they compute exactly: layout 0,
// the default activations (RNN: Tanh, Relu or Sigmoid), no clip, no input_forget, no
// peepholes, constant weights and biases, every sequence as long as the tensor. rnn.cpp keeps
// the Eigen path for everything else. The ONNX -> oneDNN gate mapping is written at the top of
// rnn.cpp.
#include <memory>
#include <vector>

#include "ir/graph.h"
#include "runtime/cpu/cpu_context.h"
#include "runtime/tensor.h"

namespace runtime::cpu {

enum class RecurrentCell { lstm, gru, rnn };

class DnnlRecurrent {
 public:
  // Null when oneDNN cannot compute the node exactly; throws unsupported if oneDNN refuses a
  // node it should take.
  static std::unique_ptr<DnnlRecurrent> create(CpuContext& context, const ir::Graph& graph, const ir::Node& node, RecurrentCell cell);
  virtual ~DnnlRecurrent() = default;
  // The node's inputs and outputs, as Kernel::run gets them.
  virtual void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) = 0;
  // Weights in oneDNN's layout, scratchpad, output staging.
  virtual int64_t owned_bytes() const = 0;
};

}  // namespace runtime::cpu
