#pragma once
// The shape flags every model-reading subcommand shares: --shape, --batch, --max-tensor-bytes.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "ir/shape_inference.h"

namespace cli {

struct ShapeFlags {
  std::vector<std::string> shapes;
  int64_t batch = 0;
  int64_t max_tensor_bytes = int64_t{64} << 30;

  void add_to(CLI::App& command);
  // Throws ir::Error(usage) naming the flag when a value is malformed.
  ir::ShapeBindings bindings() const;
};

}  // namespace cli
