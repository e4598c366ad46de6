#pragma once
// oneDNN glue for the CPU kernels that run primitives: plain descriptors over ONNX tensors,
// a primitive with its argument memories and its own scratchpad (made once in prepare(),
// so run() only swaps data pointers), constant-weight reorders, and oneDNN errors turned
// into `unsupported` naming the node.
#include <dnnl.hpp>

#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/cpu/cpu_context.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/layout.h"

namespace runtime::cpu {

inline dnnl::memory::dims to_dims(const std::vector<int64_t>& shape) { return {shape.begin(), shape.end()}; }

// A dense row-major f32 descriptor of `shape` (a scalar becomes [1]).
inline dnnl::memory::desc plain_desc(std::vector<int64_t> shape) {
  if (shape.empty()) shape = {1};
  return {to_dims(shape), dnnl::memory::data_type::f32, to_dims(strides_of(shape))};
}

// An f32 descriptor of `dims` laid out with explicit `strides` (in elements).
inline dnnl::memory::desc strided_desc(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides) {
  return {to_dims(dims), dnnl::memory::data_type::f32, to_dims(strides)};
}

// An f32 descriptor of `shape` held in `layout` (runtime/layout.h).
inline dnnl::memory::desc layout_desc(const std::vector<int64_t>& shape, Layout layout) {
  if (layout == Layout::plain) return plain_desc(shape);
  return strided_desc(shape, layout_strides(shape, layout));
}

// Throws unsupported unless every present input and output of the node is float32.
inline void require_float32(const ir::Graph& graph, const ir::Node& node) {
  for (ir::TensorId t : node.inputs)
    if (t != ir::no_tensor && graph.tensor(t).dtype != ir::DType::float32)
      unsupported(node, "only float32 is implemented on the CPU (input '" + graph.tensor(t).name + "' is " +
                            std::string(ir::dtype_name(graph.tensor(t).dtype)) + ")");
  for (ir::TensorId t : node.outputs)
    if (t != ir::no_tensor && graph.tensor(t).dtype != ir::DType::float32)
      unsupported(node, "only float32 is implemented on the CPU (output '" + graph.tensor(t).name + "' is " +
                            std::string(ir::dtype_name(graph.tensor(t).dtype)) + ")");
}

// Attributes for a primitive whose scratchpad the kernel owns (allocated once, in prepare()).
inline dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// Runs `body` (primitive creation), turning a oneDNN refusal into unsupported(node).
template <typename F>
void with_dnnl_errors(const ir::Node& node, F&& body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    unsupported(node, std::string("oneDNN refused it: ") + e.what());
  }
}

// One primitive and the memories it executes on. bind() in prepare(), set() + execute() in run().
class DnnlStep {
 public:
  // `pd` was created with user_scratchpad_attr(); its scratchpad is allocated here, once.
  void create(const dnnl::primitive_desc& pd, const dnnl::engine& engine) {
    primitive_ = dnnl::primitive(pd);
    args_[DNNL_ARG_SCRATCHPAD] = dnnl::memory(pd.scratchpad_desc(), engine);
    owned_bytes_ += static_cast<int64_t>(pd.scratchpad_desc().get_size());
  }
  // Declares argument `arg` with layout `md`; its data pointer comes later through set().
  void bind(int arg, const dnnl::memory::desc& md, const dnnl::engine& engine) {
    args_[arg] = dnnl::memory(md, engine, DNNL_MEMORY_NONE);
  }
  // Declares argument `arg` as memory the kernel owns (reordered weights).
  void bind_owned(int arg, const dnnl::memory& memory) {
    args_[arg] = memory;
    owned_bytes_ += static_cast<int64_t>(memory.get_desc().get_size());
  }
  // The scratchpad and the memories bound as owned.
  int64_t owned_bytes() const { return owned_bytes_; }
  // Points a bound argument at `data` (never written when it is an input).
  void set(int arg, const void* data) { args_.at(arg).set_data_handle(const_cast<void*>(data)); }
  void execute(dnnl::stream& stream) {
    primitive_.execute(stream, args_);
    stream.wait();
  }

 private:
  dnnl::primitive primitive_;
  std::unordered_map<int, dnnl::memory> args_;
  int64_t owned_bytes_ = 0;
};

inline int64_t vector_bytes(const std::vector<float>& v) { return static_cast<int64_t>(v.capacity() * sizeof(float)); }

// The constant `data` (laid out as `from`) reordered once into `to`, in memory the result owns.
inline dnnl::memory reorder_constant(CpuContext& context, const dnnl::memory::desc& from, const void* data,
                                     const dnnl::memory::desc& to) {
  dnnl::memory source(from, context.engine, const_cast<void*>(data));
  dnnl::memory target(to, context.engine);
  dnnl::reorder(source, target).execute(context.stream, source, target);
  context.stream.wait();
  return target;
}

// The bytes of a constant input (a weight), or nullptr when the input is computed at run time.
inline const void* constant_data(const ir::Graph& graph, const ir::Node& node, size_t i) {
  if (!node.has_input(i)) return nullptr;
  const ir::Tensor& t = graph.tensor(node.inputs[i]);
  return t.value ? static_cast<const void*>(t.value->bytes.data()) : nullptr;
}

}  // namespace runtime::cpu
