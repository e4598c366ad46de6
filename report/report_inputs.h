#pragma once
// What `partplan report` was given: any mix of profile, cost model, plan and run files, each
// parsed into its typed form, all about one model (checked by sha256; a cost model may be
// trained on several models, so it is not tied to one).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "costmodel/cost_model.h"
#include "planner/plan.h"
#include "profiler/profile.h"
#include "report/run_summary.h"

namespace report {

template <typename T>
struct Named {
  std::string path;
  T value;
};

struct ReportInputs {
  std::string model_path, model_sha256;  // of the first file that names a model
  std::vector<Named<profiler::Profile>> profiles;
  std::vector<Named<costmodel::CostModel>> costmodels;
  std::vector<Named<planner::Plan>> plans;
  std::vector<Named<RunSummary>> runs;
  bool empty() const { return profiles.empty() && costmodels.empty() && plans.empty() && runs.empty(); }
};

// Adds one parsed file by its "schema". Throws ir::Error(file) naming the file for an unknown
// or malformed document, and ir::Error(usage) naming both files when its model differs from
// the files read before it.
void add_report_input(ReportInputs& inputs, const nlohmann::json& doc, const std::string& path);

}  // namespace report
