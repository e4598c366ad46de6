#include "onnx_loader/tensor_proto.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ir/error.h"

namespace onnx_loader {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const TensorSource& source, const std::string& tensor, const std::string& why,
                       ir::ErrorKind kind = ir::ErrorKind::model) {
  throw ir::Error(kind, source.label + ": tensor '" + tensor + "': " + why);
}

// Copies a repeated proto field into little-endian bytes of `Out`, one element per value.
template <typename Out, typename Field>
std::string pack(const Field& values) {
  std::string bytes(static_cast<size_t>(values.size()) * sizeof(Out), '\0');
  for (int i = 0; i < values.size(); ++i) {
    const Out v = static_cast<Out>(values.Get(i));
    std::memcpy(bytes.data() + static_cast<size_t>(i) * sizeof(Out), &v, sizeof(Out));
  }
  return bytes;
}

std::string read_external(const onnx::TensorProto& proto, const TensorSource& source, int64_t expected_bytes) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& entry : proto.external_data()) {
    try {
      if (entry.key() == "location") location = entry.value();
      else if (entry.key() == "offset") offset = std::stoll(entry.value());
      else if (entry.key() == "length") length = std::stoll(entry.value());
    } catch (const std::exception&) {
      fail(source, proto.name(), "external data " + entry.key() + " '" + entry.value() + "' is not a number");
    }
  }
  if (location.empty()) fail(source, proto.name(), "external data has no location");
  const fs::path relative(location);
  if (relative.is_absolute()) fail(source, proto.name(), "external data path '" + location + "' is absolute; it must be relative to the model's folder", ir::ErrorKind::file);
  for (const auto& part : relative)
    if (part == "..") fail(source, proto.name(), "external data path '" + location + "' leaves the model's folder", ir::ErrorKind::file);
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(source.model_dir.empty() ? fs::path(".") : fs::path(source.model_dir), ec);
  const fs::path full = fs::weakly_canonical(dir / relative, ec);
  // A symlink inside the folder could still point outside it: compare resolved paths.
  const fs::path inside = full.lexically_relative(dir);
  if (ec || inside.empty() || *inside.begin() == "..")
    fail(source, proto.name(), "external data path '" + location + "' resolves outside the model's folder", ir::ErrorKind::file);
  if (!fs::exists(full, ec)) fail(source, proto.name(), "external data file '" + location + "' is missing", ir::ErrorKind::file);
  if (!fs::is_regular_file(full, ec)) fail(source, proto.name(), "external data location '" + location + "' is not a regular file", ir::ErrorKind::file);
  if (offset < 0 || (length >= 0 && length != expected_bytes))
    fail(source, proto.name(), "external data length " + std::to_string(length) + " does not match the tensor's " + std::to_string(expected_bytes) + " bytes");
  const auto file_size = static_cast<int64_t>(fs::file_size(full, ec));
  if (ec || file_size - offset < expected_bytes)
    fail(source, proto.name(), "external data file '" + location + "' is too short: needs " + std::to_string(expected_bytes) +
                                   " bytes at offset " + std::to_string(offset) + ", has " + std::to_string(std::max<int64_t>(file_size - offset, 0)),
         ir::ErrorKind::file);
  std::ifstream in(full, std::ios::binary);
  std::string bytes(static_cast<size_t>(expected_bytes), '\0');
  in.seekg(offset);
  if (!in.read(bytes.data(), expected_bytes)) fail(source, proto.name(), "cannot read external data file '" + location + "'", ir::ErrorKind::file);
  return bytes;
}

}  // namespace

ir::TensorData take_tensor(onnx::TensorProto& proto, const TensorSource& source) {
  const std::string& name = proto.name();
  if (proto.data_type() == 0)  // UNDEFINED: an empty or truncated file parses as an empty proto
    fail(source, name, "no element type (data_type 0; an empty or truncated tensor file reads as this)", ir::ErrorKind::file);
  if (!ir::is_known_dtype(proto.data_type()) || proto.data_type() == static_cast<int>(ir::DType::string))
    fail(source, name, "element type " + std::to_string(proto.data_type()) + " (float8, int4, complex or string) is not supported",
         ir::ErrorKind::unsupported);
  ir::TensorData t;
  t.dtype = static_cast<ir::DType>(proto.data_type());
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  const int64_t count = ir::checked_element_count(t.dims, source.label + ": tensor '" + name + "'");
  const auto elem = static_cast<int64_t>(ir::dtype_size_bytes(t.dtype));
  if (count > INT64_MAX / elem) fail(source, name, "size overflows 64 bits", ir::ErrorKind::shape);
  const int64_t expected = count * elem;

  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    t.bytes = read_external(proto, source, expected);
    return t;
  }
  using D = ir::DType;
  if (proto.has_raw_data()) {
    t.bytes.swap(*proto.mutable_raw_data());  // take the buffer: weights are held once
  } else {
    switch (t.dtype) {
      case D::float32: t.bytes = pack<float>(proto.float_data()); break;
      case D::float64: t.bytes = pack<double>(proto.double_data()); break;
      case D::int64: t.bytes = pack<int64_t>(proto.int64_data()); break;
      case D::uint64: t.bytes = pack<uint64_t>(proto.uint64_data()); break;
      case D::uint32: t.bytes = pack<uint32_t>(proto.uint64_data()); break;
      case D::int32: t.bytes = pack<int32_t>(proto.int32_data()); break;
      case D::int16: t.bytes = pack<int16_t>(proto.int32_data()); break;
      case D::uint16:
      case D::float16:
      case D::bfloat16: t.bytes = pack<uint16_t>(proto.int32_data()); break;  // fp16 bit patterns live in int32_data
      case D::int8: t.bytes = pack<int8_t>(proto.int32_data()); break;
      case D::uint8:
      case D::boolean: t.bytes = pack<uint8_t>(proto.int32_data()); break;
      default: fail(source, name, "unsupported element type");
    }
    proto.clear_float_data();
    proto.clear_double_data();
    proto.clear_int64_data();
    proto.clear_uint64_data();
    proto.clear_int32_data();
  }
  if (static_cast<int64_t>(t.bytes.size()) != expected)
    fail(source, name, "holds " + std::to_string(t.bytes.size()) + " bytes, its shape needs " + std::to_string(expected));
  return t;
}

}  // namespace onnx_loader
