#pragma once
// Runs a resolved ir::Graph on one device, or on several under a placement (a device per node):
// every node's kernel is prepared up front on its device (never timed); run() executes the
// nodes in graph order, each on its device's worker, copies a tensor to the device that reads
// it where memory is not shared, frees each activation after its last use, and can time every
// node.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "ir/graph.h"
#include "runtime/device.h"
#include "runtime/layout.h"
#include "runtime/pattern_fusion.h"
#include "runtime/replay.h"

namespace runtime {

struct ExecutorOptions {
  // The chain of sole readers after a node (BatchNormalization, an activation) is offered to
  // that node's kernel (Conv + BatchNormalization + Relu): fewer passes over memory, but no
  // separate time for the fused nodes, so the profiler turns it off.
  bool fuse = true;
  // Activations between kernels that all handle it stay channels-last (runtime/layout_plan.h)
  // instead of being converted around every convolution.
  bool channels_last = true;
  // Called (on the device's worker, while preparing) for each weight that every kernel reading
  // it has copied into memory of its own, as soon as the last of them is prepared: the owner
  // of the graph can drop the loaded bytes then, so the weights are held once even at the
  // peak of preparation. The executor never hands that weight to a kernel again.
  std::function<void(ir::TensorId)> weight_copied = nullptr;
};

class Executor {
 public:
  // Throws ir::Error(unsupported) naming the first node the device cannot run.
  Executor(const ir::Graph& graph, Device& device, ExecutorOptions options = {});
  // `placement`: per node of the graph, the index of its device in `devices`. Fusion and
  // pattern fusion stay within a device; tensors copied between memories are kept plain (CPU
  // devices share memory and layouts).
  Executor(const ir::Graph& graph, std::vector<Device*> devices, std::vector<int> placement, ExecutorOptions options = {});

  // Per node: the node it was fused into, or ir::no_node.
  const std::vector<ir::NodeId>& fused_into() const { return fused_into_; }
  // Per node: what its kernel runs — the node itself, or the standard op a subgraph starting
  // there spells out (runtime/pattern_fusion.h), whose other nodes are fused into it.
  const ir::Node& runs_as(size_t node) const { return *run_nodes_[node]; }
  // Bytes the prepared kernels hold (reordered weights, scratchpads) plus the device's shared
  // workspace: memory a run needs beside its activations.
  int64_t kernel_bytes() const;
  // Weights no kernel reads at run time (each reader copied it while preparing, or was fused
  // into a kernel that did); see ExecutorOptions::weight_copied.
  const std::vector<ir::TensorId>& copied_weights() const { return copied_weights_; }
  // Per graph output: the index of the device whose memory run() returns it in, or -1 for host
  // memory (a constant, or a graph input passed through with several devices).
  std::vector<int> output_devices() const;
  // Per tensor: the layout it is held in while the graph runs (graph outputs are plain).
  const std::vector<Layout>& layouts() const { return layouts_; }

  // `inputs`: one per graph input, in graph.inputs order, with the resolved shapes and dtypes
  // (checked), in host memory (with one device: in that device's memory). Returns the graph outputs in graph.outputs order. When `node_time_us` is given
  // it receives each node's wall time (0 for constant nodes, which are not run).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, std::vector<double>* node_time_us = nullptr);

  // Runs the same inputs as `options.requests` requests with every device working at once
  // (runtime/replay.cpp): one thread drives each device through its nodes in `options.order`,
  // waiting for inputs other devices produce and copying them where memory is not shared.
  // `inputs` are in host memory. Throws ir::Error(usage) when the order would deadlock (a
  // device waiting on a node queued behind one that waits on it).
  ReplayResult replay(const std::vector<Tensor>& inputs, const ReplayOptions& options);

  // Tensors moved between memories: how many, their bytes, the time the copies took; with
  // `keep`, each copy too (for the request `request`), as a replay's timeline shows them.
  struct CopyRecord {
    int request = -1;
    ir::TensorId tensor = ir::no_tensor;
    int from = 0, to = 0;  // device indices, host (-1) for the caller's memory
    int64_t bytes = 0;
    std::chrono::steady_clock::time_point began, ended;
  };
  struct CopyTally {
    int64_t count = 0, bytes = 0;
    double time_us = 0;
    bool keep = false;
    int request = -1;
    std::vector<CopyRecord> records;
    void add(ir::TensorId tensor, int from, int to, int64_t copied, std::chrono::steady_clock::time_point began, std::chrono::steady_clock::time_point ended);
  };

 private:
  static constexpr int host = -1;  // location of the caller's inputs (with several devices)
  // Throws ir::Error(usage) unless `inputs` are one per graph input with its resolved dtype and shape.
  void check_inputs(const std::vector<Tensor>& inputs) const;
  // Whether a tensor in `from`'s memory must be copied for a kernel on `to`.
  bool needs_copy(int from, int to) const;
  Tensor transfer(const Tensor& source, int from, int to);
  // `op`'s kernel inputs on device `where`: constants, `values` in memory it reads, or copies
  // into `moved` (per tensor x device, made the first time one is needed; counted in `tally`).
  void gather_inputs(const ir::Node& op, int where, std::vector<Tensor>& values, const std::vector<int>& location, std::vector<Tensor>& moved,
                     std::vector<const Tensor*>& in, CopyTally* tally);
  // Fresh tensors on device `where` for what `op` writes (into a fused chain's last output).
  void allocate_outputs(const ir::Node& op, int where, std::vector<Tensor>& values, std::vector<int>& location, std::vector<Tensor*>& out);
  void prepare_kernels(const std::vector<size_t>& order, const std::function<void(ir::TensorId)>& weight_copied);
  void release_weight(ir::TensorId t, const std::function<void(ir::TensorId)>& weight_copied);

  // Per device, its nodes with a kernel in `order` (graph order where empty); checks that no
  // device waits forever. (replay.cpp)
  std::vector<std::vector<size_t>> device_queues(const std::vector<int>& order) const;

  const ir::Graph& graph_;
  std::vector<Device*> devices_;
  std::vector<int> placement_;                        // per node: index into devices_
  std::vector<std::unique_ptr<Kernel>> kernels_;      // per node; null for constant nodes
  std::vector<std::vector<ir::TensorId>> release_after_;  // per node: activations whose last use it is
  std::vector<Tensor> constants_;                     // per tensor: weights and folded values (borrowed)
  std::vector<bool> is_constant_;                     // per tensor: had a value when prepared
  std::vector<ir::NodeId> fused_into_;                // per node
  std::vector<ir::TensorId> write_to_;                // per tensor: where its producer writes (a fused activation's output)
  std::vector<Layout> layouts_;                       // per tensor
  std::vector<ir::TensorId> copied_weights_;
  std::vector<PatternMatch> patterns_;                // never resized after construction: run_nodes_ points in
  std::vector<const ir::Node*> run_nodes_;            // per node: what its kernel runs
};

// The tensor's constant value (weight or folded) as a borrowed runtime tensor.
Tensor constant_tensor(const ir::Tensor& tensor);

}  // namespace runtime
