#pragma once
// Reads an ONNX model file into an ir::Graph. The only module that sees protobuf.
// Every failure is an ir::Error whose message starts with the file name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace onnx_loader {

struct LoadedModel {
  ir::Graph graph;
  std::string path;
  std::string sha256;  // of the model file, hex
  int64_t file_bytes = 0;
  // With --pre/--post: the three files (pre, model, post; "" where none), and `sha256` is of
  // their three hashes, so profiles, cost models and plans of the composition match each other
  // and never the model alone.
  std::vector<std::string> composed_of;
};

// Loads `path`. External data files must lie inside the model's folder.
LoadedModel load_model(const std::string& path);
// The model with pre- and post-processing graphs around it (ir::compose); either path may be
// empty. Both empty: load_model(path).
LoadedModel load_model(const std::string& path, const std::string& pre_path, const std::string& post_path);

// Parses a model held in memory (used by the fuzzer); `label` names it in messages and
// external data is looked up under `model_dir`.
ir::Graph load_model_from_memory(const void* data, size_t size, const std::string& label, const std::string& model_dir);

// SHA-256 of a file, hex; streams it, so memory stays flat.
std::string file_sha256(const std::string& path);
// SHA-256 of a string, hex.
std::string text_sha256(const std::string& text);

}  // namespace onnx_loader
