#pragma once
// Renders what `partplan inspect` shows: a table per op type for a terminal, and the full
// per-node data as JSON (schema partplan.inspect/1, docs/formats.md).
#include <string>

#include <nlohmann/json.hpp>

#include "ir/graph.h"
#include "ir/shape_inference.h"

namespace report {

struct ModelInfo {
  std::string path;
  std::string sha256;
  int64_t file_bytes = 0;
};

std::string inspect_table(const ir::Graph& graph, const ir::ShapeReport& shapes, const ModelInfo& model);
nlohmann::json inspect_json(const ir::Graph& graph, const ir::ShapeReport& shapes, const ModelInfo& model);

// 1536 -> "1.5 KiB"; 2.5e9 -> "2.50 G" (for counts).
std::string format_bytes(double bytes);
std::string format_count(double value);

}  // namespace report
