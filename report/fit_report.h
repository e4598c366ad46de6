#pragma once
// How good a cost model is, shown: the terminal summary of `partplan fit` and its report
// (`--report FILE.html`: a self-contained page with a predicted-vs-measured scatter per device
// and the tables; `FILE.svg`: the first device's scatter alone).
#include <string>
#include <vector>

#include "costmodel/cost_model.h"

namespace report {

std::string fit_summary_text(const costmodel::CostModel& model);

std::string fit_report_html(const costmodel::CostModel& model, const std::vector<costmodel::PointPrediction>& cross_validated);
std::string fit_report_svg(const costmodel::CostModel& model, const std::vector<costmodel::PointPrediction>& cross_validated);

}  // namespace report
