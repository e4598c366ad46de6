#include "onnx_loader/onnx_loader.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <memory>
#include <optional>

#include "ir/compose.h"
#include "ir/error.h"
#include "onnx_loader/graph_reader.h"

namespace onnx_loader {

namespace fs = std::filesystem;

namespace {

constexpr int64_t min_ir_version = 3, max_ir_version = 10;
constexpr int64_t min_opset = 11, max_opset = 21;

ir::Graph parse(google::protobuf::io::ZeroCopyInputStream& stream, const TensorSource& source) {
  auto model = std::make_unique<onnx::ModelProto>();
  {
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(INT32_MAX);  // protobuf's ceiling; larger models use external data
    if (!model->ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
      throw ir::Error(ir::ErrorKind::file, source.label + ": not an ONNX model (protobuf parse failed; truncated or not a model file)");
  }
  const int64_t ir_version = model->ir_version();
  if (ir_version < min_ir_version || ir_version > max_ir_version)
    throw ir::Error(ir::ErrorKind::model, source.label + ": IR version " + std::to_string(ir_version) + " is not supported (partplan reads " +
                                              std::to_string(min_ir_version) + "-" + std::to_string(max_ir_version) + ")");
  int64_t opset = -1;
  for (const auto& import : model->opset_import())
    if (import.domain().empty() || import.domain() == "ai.onnx") opset = import.version();
  if (opset < min_opset || opset > max_opset)
    throw ir::Error(ir::ErrorKind::model, source.label + ": " +
                                              (opset < 0 ? std::string("the model imports no opset of the default ONNX domain") : "opset " + std::to_string(opset) + " is not supported") +
                                              " (partplan reads opsets " + std::to_string(min_opset) + "-" + std::to_string(max_opset) + ")");
  if (!model->has_graph()) throw ir::Error(ir::ErrorKind::model, source.label + ": the model has no graph");
  return read_graph(*model->mutable_graph(), ir_version, opset, source);
}

}  // namespace

namespace {

std::string hex_digest(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ir::Error(ir::ErrorKind::file, path + ": cannot read: " + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> chunk(1 << 20);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0)
    EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<size_t>(in.gcount()));
  return hex_digest(ctx.get());
}

std::string text_sha256(const std::string& text) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx.get(), text.data(), text.size());
  return hex_digest(ctx.get());
}

LoadedModel load_model(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw ir::Error(ir::ErrorKind::file, path + ": no such file");
  if (fs::is_directory(status)) throw ir::Error(ir::ErrorKind::file, path + ": is a directory, not an ONNX model file");
  LoadedModel loaded;
  loaded.path = path;
  loaded.file_bytes = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) throw ir::Error(ir::ErrorKind::file, path + ": cannot read: " + ec.message());
  if (loaded.file_bytes == 0) throw ir::Error(ir::ErrorKind::file, path + ": empty file");

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ir::Error(ir::ErrorKind::file, path + ": cannot open: " + std::strerror(errno));
  {
    // Streamed straight into the proto: the file is never held in memory beside it.
    google::protobuf::io::FileInputStream stream(fd);
    stream.SetCloseOnDelete(true);
    const fs::path parent = fs::path(path).parent_path();
    loaded.graph = parse(stream, TensorSource{path, parent.empty() ? "." : parent.string()});
  }
  loaded.sha256 = file_sha256(path);
  return loaded;
}

LoadedModel load_model(const std::string& path, const std::string& pre_path, const std::string& post_path) {
  if (pre_path.empty() && post_path.empty()) return load_model(path);
  LoadedModel model = load_model(path);
  std::optional<LoadedModel> pre, post;
  if (!pre_path.empty()) pre = load_model(pre_path);
  if (!post_path.empty()) post = load_model(post_path);
  LoadedModel composed;
  composed.path = path;
  composed.graph = ir::compose({pre ? &pre->graph : nullptr, pre_path}, model.graph, path, {post ? &post->graph : nullptr, post_path});
  composed.file_bytes = model.file_bytes + (pre ? pre->file_bytes : 0) + (post ? post->file_bytes : 0);
  composed.sha256 = text_sha256("pre " + (pre ? pre->sha256 : std::string()) + "\nmodel " + model.sha256 + "\npost " + (post ? post->sha256 : std::string()));
  composed.composed_of = {pre_path, path, post_path};
  return composed;
}

ir::Graph load_model_from_memory(const void* data, size_t size, const std::string& label, const std::string& model_dir) {
  if (size == 0) throw ir::Error(ir::ErrorKind::file, label + ": empty file");
  google::protobuf::io::ArrayInputStream stream(data, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
  return parse(stream, TensorSource{label, model_dir});
}

}  // namespace onnx_loader
