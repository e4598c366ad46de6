#pragma once
// `partplan report`'s terminal form: per file, aligned tables — a profile's slowest nodes per
// device, a cost model's scales and checks, a plan beside its baselines, a run's measured
// figures beside its prediction and baselines, and the nodes furthest from their prediction.
#include <string>

#include "report/report_inputs.h"

namespace report {

struct TerminalOptions {
  bool colour = false;
  int top = 10;  // rows of the slowest / furthest-off node tables
};

std::string terminal_report(const ReportInputs& inputs, const TerminalOptions& options);

}  // namespace report
