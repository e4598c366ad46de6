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
  std::vector<int64_t> batches;  // with several_batches: --batch N[,N...]
  int64_t max_tensor_bytes = int64_t{64} << 30;

  // `several_batches`: --batch takes a comma-separated list (profile), read from `batches`.
  void add_to(CLI::App& command, bool several_batches = false);
  // Throws ir::Error(usage) naming the flag when a value is malformed.
  ir::ShapeBindings bindings() const;
};

}  // namespace cli
