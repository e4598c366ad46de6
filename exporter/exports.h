#pragma once
// `partplan export`'s outputs, from a plan cut into parts (partitions.h):
// - ONNX parts: each part a standalone model (DIR/<part>.onnx) and a manifest of the wiring
//   (DIR/manifest.json, partplan.export/1): run the parts in the manifest's order, feeding
//   each the tensors it names, and the model's outputs come out.
// - A Triton Inference Server model repository: a model per part (onnxruntime backend,
//   instance_group KIND_CPU or KIND_GPU by the part's device) and an ensemble wiring them,
//   so a plan can be served and scaled out by Triton.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exporter/partitions.h"
#include "ir/graph.h"
#include "planner/plan.h"

namespace exporter {

inline constexpr const char* export_schema = "partplan.export/1";

struct ExportSource {
  std::string model_path, model_sha256, plan_path;
  std::vector<std::string> inputs;  // files the export reads (model, --pre/--post, plan): DIR may not hold them
};

// The manifest of `parts` (what both exports write beside their models); `ensemble`: the
// Triton ensemble's name, "" for ONNX parts.
nlohmann::json export_manifest(const ir::Graph& graph, const planner::Plan& plan, const std::vector<Part>& parts, const ExportSource& source,
                               const std::string& ensemble);

// Writes DIR/<part>.onnx for every part and DIR/manifest.json; DIR is made if missing.
void write_onnx_parts(const ir::Graph& graph, const planner::Plan& plan, const std::vector<Part>& parts, const ExportSource& source, const std::string& dir);

// Writes DIR/<part>/config.pbtxt and DIR/<part>/1/model.onnx per part, DIR/<ensemble>/config.pbtxt
// and its empty version folder, and DIR/manifest.json. Throws ir::Error(unsupported) for a part
// with no inputs (it computes from constants alone; Triton never starts such a step).
void write_triton_repository(const ir::Graph& graph, const planner::Plan& plan, const std::vector<Part>& parts, const ExportSource& source,
                             const std::string& dir, const std::string& ensemble_name);

// One model's config.pbtxt text (protobuf text format of Triton's ModelConfig).
std::string triton_part_config(const ir::Graph& graph, const Part& part, bool on_gpu, int gpu);
// Scalars: a part declares dims [ 1 ] reshaped to [ ] (Triton has no rank-0 dims); the
// ensemble plain dims [ 1 ], as Triton checks an ensemble's tensors against its steps' dims.
std::string triton_ensemble_config(const ir::Graph& graph, const std::vector<Part>& parts, const std::string& name);

}  // namespace exporter
