#pragma once
// Reads an ONNX model file into an ir::Graph. The only module that sees protobuf.
// Every failure is an ir::Error whose message starts with the file name.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace onnx_loader {

struct LoadedModel {
  ir::Graph graph;
  std::string path;
  std::string sha256;  // of the model file, hex
  int64_t file_bytes = 0;
};

// Loads `path`. External data files must lie inside the model's folder.
LoadedModel load_model(const std::string& path);

// Parses a model held in memory (used by the fuzzer); `label` names it in messages and
// external data is looked up under `model_dir`.
ir::Graph load_model_from_memory(const void* data, size_t size, const std::string& label, const std::string& model_dir);

// SHA-256 of a file, hex; streams it, so memory stays flat.
std::string file_sha256(const std::string& path);

}  // namespace onnx_loader
