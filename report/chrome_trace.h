#pragma once
// The Chrome trace event format (a JSON object with "traceEvents"; opens in Perfetto and
// chrome://tracing): each plan's predicted schedule and each replay's measured request as
// processes side by side, one track per device and per copy direction, nodes named as in the
// ONNX model with their op type, shapes and predicted time in args.
#include <nlohmann/json.hpp>

#include "report/report_inputs.h"

namespace report {

// Throws ir::Error(usage) when there is nothing to draw (no plan, no replay with a timeline).
nlohmann::json chrome_trace(const ReportInputs& inputs);

}  // namespace report
