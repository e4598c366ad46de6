// `partplan export PLAN (--onnx-subgraphs DIR | --triton DIR)`: the plan cut into parts (a part
// per device and stage, exporter/partitions.h), written as standalone ONNX models with a
// manifest of the wiring, or as a Triton Inference Server model repository with an ensemble.
// docs/cli.md.
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/json_file.h"
#include "cli/model_flags.h"
#include "cli/planned_model.h"
#include "exporter/exports.h"
#include "exporter/partitions.h"
#include "ir/error.h"

namespace cli {

namespace {

struct ExportCommandOptions {
  std::string plan, model, onnx_dir, triton_dir, ensemble_name;
  ProcessingFlags processing;
  bool quiet = false;
};

int export_plan(const ExportCommandOptions& options) {
  if (options.onnx_dir.empty() == options.triton_dir.empty())
    throw ir::Error(ir::ErrorKind::usage, "give --onnx-subgraphs DIR or --triton DIR (one of them)");
  const planner::Plan plan = planner::plan_from_json(read_json_file(options.plan, "plan"), options.plan);
  const std::string model_path = options.model.empty() ? plan.model_path : options.model;
  ir::ShapeBindings bindings;
  onnx_loader::LoadedModel model = load_planned_model(
      plan, options.plan, model_path, options.processing,
      options.processing.pre.empty() && options.processing.post.empty() ? " (give --model, and --pre/--post if it was planned with them)" : "", bindings);
  resolve_planned_shapes(model, bindings);

  const std::vector<exporter::Part> parts = exporter::partition_plan(model.graph, plan, options.plan);
  const exporter::ExportSource source{model.path, model.sha256, options.plan, {model_path, options.processing.pre, options.processing.post, options.plan}};
  std::string where;
  if (!options.onnx_dir.empty()) {
    exporter::write_onnx_parts(model.graph, plan, parts, source, options.onnx_dir);
    where = options.onnx_dir;
  } else {
    const std::string ensemble = options.ensemble_name.empty() ? std::filesystem::path(model.path).stem().string() + "_plan" : options.ensemble_name;
    exporter::write_triton_repository(model.graph, plan, parts, source, options.triton_dir, ensemble);
    where = fmt::format("{} (ensemble '{}')", options.triton_dir, ensemble);
  }
  if (!options.quiet) {
    fmt::print("{} parts of {} ({} objective) written to {}\n", parts.size(), model.path, plan.objective, where);
    for (const exporter::Part& p : parts)
      fmt::print("  stage {:>2}  {:<14} {:>4} nodes, {} input(s), {} output(s)\n", p.stage, p.name, p.nodes.size(), p.inputs.size(), p.outputs.size());
  }
  return 0;
}

}  // namespace

Action add_export_command(CLI::App& app) {
  auto options = std::make_shared<ExportCommandOptions>();
  CLI::App* command = app.add_subcommand("export", "Write a plan's parts as standalone ONNX models or a Triton model repository");
  command->add_option("plan", options->plan, "partplan.plan/1 file")->required();
  command->add_option("--model", options->model, "The ONNX model the plan was made for (default: the path the plan names)");
  options->processing.add_to(*command);
  command->add_option("--onnx-subgraphs", options->onnx_dir, "Folder for a model per part (PART.onnx) and manifest.json");
  command->add_option("--triton", options->triton_dir, "Folder for a Triton model repository: a model per part and an ensemble");
  command->add_option("--ensemble-name", options->ensemble_name, "The Triton ensemble's name (default: MODEL_plan)");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    return export_plan(*options);
  };
}

}  // namespace cli
