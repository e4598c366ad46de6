#pragma once
// The flags every model-reading subcommand shares besides the shapes: --pre and --post, the
// pre- and post-processing graphs composed around the model (ir::compose).
#include <CLI/CLI.hpp>
#include <string>

#include "ir/output_file.h"
#include "onnx_loader/onnx_loader.h"

namespace cli {

struct ProcessingFlags {
  std::string pre, post;

  void add_to(CLI::App& command);
  // The model, with the graphs around it when given.
  onnx_loader::LoadedModel load(const std::string& model) const;
  // The model and the graphs around it, as inputs no output may overwrite.
  void guard_inputs(ir::OutputGuard& guard, const std::string& model) const;
};

}  // namespace cli
