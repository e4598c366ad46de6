#include "onnx_loader/tensor_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/output_file.h"
#include "ir/error.h"
#include "onnx_loader/tensor_proto.h"

namespace onnx_loader {

namespace fs = std::filesystem;

NamedTensor read_tensor_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ir::Error(ir::ErrorKind::file, path + ": cannot read");
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&in)) throw ir::Error(ir::ErrorKind::file, path + ": not an ONNX TensorProto file");
  NamedTensor out;
  out.name = proto.name();
  const fs::path parent = fs::path(path).parent_path();
  out.data = take_tensor(proto, TensorSource{path, parent.empty() ? "." : parent.string()});
  return out;
}

std::vector<std::string> numbered_tensor_files(const std::string& folder, const std::string& prefix) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw ir::Error(ir::ErrorKind::file, folder + ": not a folder");
  std::vector<std::string> files;
  for (int k = 0;; ++k) {
    const fs::path file = fs::path(folder) / (prefix + "_" + std::to_string(k) + ".pb");
    if (!fs::exists(file, ec)) break;
    files.push_back(file.string());
  }
  return files;
}

void write_tensor_file(const std::string& path, const std::string& name, ir::DType dtype, const std::vector<int64_t>& dims,
                       const void* data, size_t size_bytes) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(static_cast<int>(dtype));
  for (int64_t d : dims) proto.add_dims(d);
  proto.set_raw_data(data, size_bytes);
  ir::write_output_file(path, proto.SerializeAsString());
}

}  // namespace onnx_loader
