#include "cli/shape_flags.h"

#include <charconv>

#include "ir/error.h"

namespace cli {

namespace {

// CLI11's PositiveNumber prints a double range on failure; say plainly what is wanted.
const CLI::Validator positive_integer(
    [](std::string& text) -> std::string {
      int64_t value = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) return "must be a positive integer, got '" + text + "'";
      return {};
    },
    "POSITIVE");

}  // namespace

void ShapeFlags::add_to(CLI::App& command, bool several_batches) {
  command.add_option("--shape", shapes, "Bind an input's shape: NAME:1x3x224x224 (repeatable)")->type_name("NAME:DIMS");
  if (several_batches)
    command.add_option("--batch", batches, "Bind the leading symbolic dim of every input to N; N,M,... profiles each")
        ->delimiter(',')
        ->check(positive_integer)
        ->type_name("N[,N...]");
  else
    command.add_option("--batch", batch, "Bind the leading symbolic dim of every input to N")->check(positive_integer);
  command.add_option("--max-tensor-bytes", max_tensor_bytes, "Refuse models with a tensor larger than this (default 64 GiB)")
      ->check(positive_integer);
}

ir::ShapeBindings ShapeFlags::bindings() const {
  ir::ShapeBindings b;
  for (const std::string& text : shapes) {
    // The last ':' splits, so names like "input:0" (TensorFlow exports) still work.
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
      throw ir::Error(ir::ErrorKind::usage, "--shape '" + text + "': expected NAME:DIMS, e.g. input:1x3x224x224");
    const std::string name = text.substr(0, colon);
    if (b.input_shapes.count(name)) throw ir::Error(ir::ErrorKind::usage, "--shape " + name + " given twice");
    b.input_shapes[name] = ir::parse_dims(text.substr(colon + 1), "--shape " + name);
  }
  if (batch > 0) b.batch = batch;
  b.max_tensor_bytes = max_tensor_bytes;
  return b;
}

}  // namespace cli
