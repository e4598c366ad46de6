// `partplan inspect MODEL`: load, resolve shapes, count work; print a table and/or write JSON.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "cli/shape_flags.h"
#include "ir/output_file.h"
#include "ir/cost.h"
#include "onnx_loader/onnx_loader.h"
#include "report/inspect_report.h"

namespace cli {

namespace {

struct InspectOptions {
  ProcessingFlags processing;  // --pre, --post
  std::string model;
  ShapeFlags shape;
  std::string json_path;
  bool quiet = false;
};

int run_inspect(const InspectOptions& options) {
  const ir::ShapeBindings bindings = options.shape.bindings();  // flag errors before any file work
  ir::OutputGuard files;
  options.processing.guard_inputs(files, options.model);
  if (!options.json_path.empty()) files.output(options.json_path, "--json");
  onnx_loader::LoadedModel model = options.processing.load(options.model);
  const ir::ShapeReport shapes = ir::resolve_shapes(model.graph, bindings, model.path);
  ir::compute_costs(model.graph);
  const report::ModelInfo info{model.path, model.sha256, model.file_bytes};
  if (!options.json_path.empty())
    ir::write_output_file(options.json_path, report::inspect_json(model.graph, shapes, info).dump(1) + "\n");
  if (!options.quiet) std::fputs(report::inspect_table(model.graph, shapes, info).c_str(), stdout);
  return 0;
}

}  // namespace

Action add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* command = app.add_subcommand("inspect", "Load a model, resolve shapes, and count FLOPs, bytes and weights per op type");
  command->add_option("model", options->model, "ONNX model file")->required();
  options->processing.add_to(*command);
  options->shape.add_to(*command);
  command->add_option("--json", options->json_path, "Write the full per-node data as JSON (partplan.inspect/1)");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    return run_inspect(*options);
  };
}

}  // namespace cli
