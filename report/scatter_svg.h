#pragma once
// A log-log scatter plot as inline SVG (no script, no network): one colour per series with a
// legend, the y = x line and a ±band around it, a tooltip (<title>) per point. Used by the fit
// report for predicted vs measured times; the later HTML report reuses it.
#include <string>
#include <vector>

namespace report {

struct ScatterPoint {
  double x = 0, y = 0;
  std::string series;  // colour and legend entry
  std::string label;   // tooltip
  bool hollow = false; // a second kind of point in the same series (held-out vs cross-validated)
};

struct ScatterChart {
  std::string title, x_label, y_label;
  std::vector<ScatterPoint> points;  // points <= 0 are left out (no place on a log axis)
  double band = 0.10;                // the ±share drawn around y = x
  std::string hollow_meaning, filled_meaning;  // legend text for the two kinds of point
};

std::string scatter_svg(const ScatterChart& chart);
std::string html_escape(const std::string& text);

}  // namespace report
