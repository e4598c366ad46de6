#pragma once
// ONNX TensorProto files (`input_0.pb`, `output_0.pb` of the ONNX test layout).
#include <string>
#include <vector>

#include "ir/tensor_data.h"

namespace onnx_loader {

struct NamedTensor {
  std::string name;  // the TensorProto's name (may be empty)
  ir::TensorData data;
};

// Throws ir::Error(file) naming the path when it is missing or not a TensorProto.
NamedTensor read_tensor_file(const std::string& path);
// The `prefix_K.pb` files of a folder in K order (e.g. input_0.pb, input_1.pb...).
std::vector<std::string> numbered_tensor_files(const std::string& folder, const std::string& prefix);
// Writes atomically (temporary file, then rename).
void write_tensor_file(const std::string& path, const std::string& name, ir::DType dtype, const std::vector<int64_t>& dims,
                       const void* data, size_t size_bytes);

}  // namespace onnx_loader
