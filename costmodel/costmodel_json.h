#pragma once
// The cost-model file's JSON form (`partplan.costmodel/1`, docs/formats.md).
#include <nlohmann/json.hpp>
#include <string>

#include "costmodel/cost_model.h"

namespace costmodel {

nlohmann::json to_json(const CostModel& model);
// Throws ir::Error(file) naming `path` for a document that is not a partplan.costmodel/1.
CostModel costmodel_from_json(const nlohmann::json& doc, const std::string& path);

}  // namespace costmodel
