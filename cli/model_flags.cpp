#include "cli/model_flags.h"

namespace cli {

void ProcessingFlags::add_to(CLI::App& command) {
  command.add_option("--pre", pre, "Pre-processing ONNX graph: its outputs feed the model's inputs of the same name");
  command.add_option("--post", post, "Post-processing ONNX graph: it reads the model's outputs of the same name");
}

void ProcessingFlags::guard_inputs(ir::OutputGuard& guard, const std::string& model) const {
  guard.input(model, "the model");
  guard.input(pre, "--pre");
  guard.input(post, "--post");
}

onnx_loader::LoadedModel ProcessingFlags::load(const std::string& model) const { return onnx_loader::load_model(model, pre, post); }

}  // namespace cli
