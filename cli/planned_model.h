#pragma once
// The model a plan was made for, as `run --plan` and `export` read it: loaded as it was planned
// (with --pre/--post), its sha256 checked against the plan's, and resolved at the plan's input
// shapes.
#include <string>

#include "cli/model_flags.h"
#include "ir/shape_inference.h"
#include "onnx_loader/onnx_loader.h"
#include "planner/plan.h"

namespace cli {

// Throws ir::Error(usage) "<plan_label>: made for a model with sha256 ..." plus `mismatch_note`
// when the model is another. Adds the plan's input shapes to `bindings`.
onnx_loader::LoadedModel load_planned_model(const planner::Plan& plan, const std::string& plan_label, const std::string& model_path,
                                            const ProcessingFlags& processing, const std::string& mismatch_note, ir::ShapeBindings& bindings);

// Resolves the shapes; throws ir::Error(unsupported) naming the first node partplan lacks.
void resolve_planned_shapes(onnx_loader::LoadedModel& model, const ir::ShapeBindings& bindings);

}  // namespace cli
