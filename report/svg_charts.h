#pragma once
// Small charts as inline SVG for the HTML report (no script, no network): a timeline (Gantt),
// stacked horizontal bars, step lines over time, and lines over a numeric axis. Every mark
// carries a <title> tooltip; a timeline bar carries data-node, which the report's script uses to
// highlight a node everywhere it appears.
#include <string>
#include <vector>

namespace report {

struct GanttBar {
  double start_us = 0, end_us = 0;
  std::string node;     // data-node (empty: not a node, e.g. a copy)
  std::string tooltip;
  std::string colour;
};

struct GanttRow {
  std::string label;
  std::vector<GanttBar> bars;
  bool group_start = false;  // a rule above it (predicted / measured)
};

std::string gantt_svg(const std::vector<GanttRow>& rows);

struct BarSegment {
  std::string name;  // legend entry (colour by name)
  double value = 0;
};

struct BarRow {
  std::string label;
  std::vector<BarSegment> segments;
};

// Rows of stacked segments on one scale; `unit` after the totals ("ms").
std::string stacked_bars_svg(const std::vector<BarRow>& rows, const std::string& unit, double unit_scale);

struct StepSeries {
  std::string name, colour;
  std::vector<std::pair<double, double>> points;  // (x, y from then on)
};

// Step lines over time: y as bytes (axis labelled in KiB/MiB/GiB), x in microseconds.
std::string step_lines_svg(const std::vector<StepSeries>& series, double end_x);

struct LineSeries {
  std::string name, colour;
  std::vector<std::pair<double, double>> points;  // (x, y)
  std::vector<std::string> labels;                // per point, shown beside it (may be empty)
};

// Lines over a log2 x axis (batch sizes), y from 0.
std::string lines_svg(const std::vector<LineSeries>& series, const std::string& x_label, const std::string& y_label);

// A colour per name, stable within one report: the n-th distinct name gets the n-th colour.
class Palette {
 public:
  const std::string& colour(const std::string& name);

 private:
  std::vector<std::pair<std::string, std::string>> given_;
};

}  // namespace report
