#pragma once
// ONNX TensorProto -> ir::TensorData, including external data files.
#include <string>

#include <onnx/onnx_pb.h>

#include "ir/tensor_data.h"

namespace onnx_loader {

struct TensorSource {
  std::string label;      // the model file, for messages
  std::string model_dir;  // where external data may live
};

// Moves the proto's raw bytes out (no copy) when they are raw_data; throws ir::Error
// naming the tensor on a bad type, a wrong element count, or refused/missing/short external data.
ir::TensorData take_tensor(onnx::TensorProto& proto, const TensorSource& source);

}  // namespace onnx_loader
