#include "cli/planned_model.h"

#include <fmt/format.h>

#include "ir/error.h"

namespace cli {

onnx_loader::LoadedModel load_planned_model(const planner::Plan& plan, const std::string& plan_label, const std::string& model_path,
                                            const ProcessingFlags& processing, const std::string& mismatch_note, ir::ShapeBindings& bindings) {
  onnx_loader::LoadedModel model = processing.load(model_path);
  if (model.sha256 != plan.model_sha256)
    throw ir::Error(ir::ErrorKind::usage, fmt::format("{}: made for a model with sha256 {}, {} has {}{}", plan_label, plan.model_sha256.substr(0, 12), model_path,
                                                      model.sha256.substr(0, 12), mismatch_note));
  for (const auto& [name, shape] : plan.input_shapes) bindings.input_shapes[name] = shape;  // the shapes it was planned for
  return model;
}

void resolve_planned_shapes(onnx_loader::LoadedModel& model, const ir::ShapeBindings& bindings) {
  const ir::ShapeReport shapes = ir::resolve_shapes(model.graph, bindings, model.path);
  if (!shapes.unsupported.empty())
    throw ir::Error(ir::ErrorKind::unsupported, model.path + ": node '" + model.graph.node(shapes.unsupported.front()).name + "' is not supported");
}

}  // namespace cli
