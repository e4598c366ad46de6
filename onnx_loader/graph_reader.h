#pragma once
// ONNX GraphProto -> ir::Graph: inputs, initializers, nodes and attributes; Constant nodes
// become initializers. Consumes the proto's weight buffers.
#include <onnx/onnx_pb.h>

#include "ir/graph.h"
#include "onnx_loader/tensor_proto.h"

namespace onnx_loader {

ir::Graph read_graph(onnx::GraphProto& graph, int64_t ir_version, int64_t opset, const TensorSource& source);

}  // namespace onnx_loader
