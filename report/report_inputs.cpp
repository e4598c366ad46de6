#include "report/report_inputs.h"

#include "costmodel/costmodel_json.h"
#include "ir/error.h"

namespace report {

namespace {

// The first file naming a model sets it; every later one must name the same.
void same_model(ReportInputs& inputs, const std::string& path, const std::string& model_path, const std::string& sha256) {
  if (inputs.model_sha256.empty()) {
    inputs.model_sha256 = sha256;
    inputs.model_path = model_path;
    return;
  }
  if (sha256 != inputs.model_sha256)
    throw ir::Error(ir::ErrorKind::usage, path + ": about " + model_path + " (sha256 " + sha256.substr(0, 12) + "), but the files before it are about " +
                                              inputs.model_path + " (sha256 " + inputs.model_sha256.substr(0, 12) + "); report on one model at a time");
}

}  // namespace

void add_report_input(ReportInputs& inputs, const nlohmann::json& doc, const std::string& path) {
  // (A "schema" that is not a string is no partplan file either, not an internal error.)
  const std::string schema = doc.is_object() && doc.contains("schema") && doc.at("schema").is_string() ? doc.at("schema").get<std::string>() : "";
  if (schema == profiler::profile_schema) {
    profiler::Profile p = profiler::profile_from_json(doc, path);
    same_model(inputs, path, p.model_path, p.model_sha256);
    inputs.profiles.push_back({path, std::move(p)});
  } else if (schema == costmodel::costmodel_schema) {
    inputs.costmodels.push_back({path, costmodel::costmodel_from_json(doc, path)});
  } else if (schema == planner::plan_schema) {
    planner::Plan p = planner::plan_from_json(doc, path);
    same_model(inputs, path, p.model_path, p.model_sha256);
    inputs.plans.push_back({path, std::move(p)});
  } else if (schema == "partplan.run/1") {
    RunSummary r = run_from_json(doc, path);
    same_model(inputs, path, r.model_path, r.model_sha256);
    inputs.runs.push_back({path, std::move(r)});
  } else {
    throw ir::Error(ir::ErrorKind::file, path + ": not a profile, cost model, plan or run file (schema '" + schema +
                                             "'; expected partplan.profile/1, partplan.costmodel/1, partplan.plan/1 or partplan.run/1)");
  }
}

}  // namespace report
