#pragma once
// `partplan report --html`: one self-contained page (inline SVG and CSS, a few lines of plain
// script, nothing fetched) from any mix of profile, cost model, plan and run files: summary
// cards, time per op kind per device, the plan's timeline beside a replay's, predicted against
// measured node times with the ±10% band, memory over time per device, the plan's DAG coloured
// by device (laid out by Graphviz), and, for plans at several batch sizes, a sweep chart.
#include <string>

#include "report/report_inputs.h"

namespace report {

std::string html_report(const ReportInputs& inputs, const std::string& version);

}  // namespace report
