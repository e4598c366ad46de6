#include "report/svg_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/inspect_report.h"
#include "report/scatter_svg.h"

namespace report {

namespace {

constexpr const char* colours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                                   "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8"};

// A round step for an axis covering `span` in about `ticks` steps (1, 2 or 5 times a power of 10).
// Never 0 or infinite: tick loops step by it (a span of inf or a denormal would not end).
double nice_step(double span, int ticks) {
  if (!(span > 0) || !std::isfinite(span)) return 1;
  const double raw = span / ticks, power = std::pow(10.0, std::floor(std::log10(raw)));
  const double unit = raw / power;
  const double step = (unit < 1.5 ? 1 : unit < 3.5 ? 2 : unit < 7.5 ? 5 : 10) * power;
  return step > 0 && std::isfinite(step) ? step : 1;
}

// Finite and positive, else `fallback` (times and sizes read from files may be anything).
double sane(double value, double fallback) { return std::isfinite(value) && value > 0 ? value : fallback; }

std::string time_text(double us) {
  if (us >= 1e6) return fmt::format("{:g} s", us / 1e6);
  if (us >= 1e3) return fmt::format("{:g} ms", us / 1e3);
  return fmt::format("{:g} µs", us);
}

}  // namespace

const std::string& Palette::colour(const std::string& name) {
  for (const auto& [n, c] : given_)
    if (n == name) return c;
  given_.push_back({name, colours[given_.size() % (sizeof(colours) / sizeof(colours[0]))]});
  return given_.back().second;
}

std::string gantt_svg(const std::vector<GanttRow>& rows) {
  constexpr double label_width = 190, width = 1000, row_height = 26, top = 28;
  double end = 0;
  for (const GanttRow& r : rows)
    for (const GanttBar& b : r.bars) end = std::max(end, b.end_us);
  end = sane(end, 1);
  const double plot = width - label_width - 20, height = top + row_height * static_cast<double>(rows.size()) + 10;
  auto x = [&](double us) { return label_width + plot * us / end; };
  std::string svg = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart gantt" viewBox="0 0 {} {}" width="{}" height="{}" font-family="sans-serif" font-size="11">)",
                                width, height, width, height);
  const double step = nice_step(end, 8);
  for (double t = 0; t <= end + 1e-9; t += step)
    svg += fmt::format(R"(<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}" stroke="#e5e5e5"/><text x="{:.1f}" y="{}" text-anchor="middle" fill="#555">{}</text>)", x(t), top - 6,
                       x(t), height - 10, x(t), top - 10, time_text(t));
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = top + row_height * static_cast<double>(i);
    if (rows[i].group_start && i > 0) svg += fmt::format(R"(<line x1="0" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#999"/>)", y, width, y);
    svg += fmt::format(R"(<text x="4" y="{:.1f}" fill="#222">{}</text>)", y + row_height * 0.62, html_escape(rows[i].label));
    for (const GanttBar& b : rows[i].bars) {
      const double w = std::max(0.8, x(b.end_us) - x(b.start_us));
      svg += fmt::format(R"(<rect x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{:.1f}" fill="{}" stroke="#fff" stroke-width="0.4"{}><title>{}</title></rect>)", x(b.start_us),
                         y + 3, w, row_height - 6, b.colour, b.node.empty() ? "" : fmt::format(R"( data-node="{}")", html_escape(b.node)), html_escape(b.tooltip));
    }
  }
  return svg + "</svg>";
}

std::string stacked_bars_svg(const std::vector<BarRow>& rows, const std::string& unit, double unit_scale) {
  constexpr double label_width = 150, width = 1000, row_height = 30, top = 10, legend_width = 190;
  double most = 0;
  for (const BarRow& r : rows) {
    double total = 0;
    for (const BarSegment& s : r.segments) total += s.value;
    most = std::max(most, total);
  }
  most = sane(most, 1);
  Palette palette;
  std::vector<std::string> legend;
  const double plot = width - label_width - legend_width - 70;
  const double height = std::max(top + row_height * static_cast<double>(rows.size()) + 10, 0.0);
  std::string bars;
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = top + row_height * static_cast<double>(i);
    bars += fmt::format(R"(<text x="4" y="{:.1f}">{}</text>)", y + row_height * 0.6, html_escape(rows[i].label));
    double at = label_width, total = 0;
    for (const BarSegment& s : rows[i].segments) {
      if (std::find(legend.begin(), legend.end(), s.name) == legend.end()) legend.push_back(s.name);
      const double w = plot * s.value / most;
      bars += fmt::format(R"(<rect x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{:.1f}" fill="{}"><title>{}: {:.3f} {}</title></rect>)", at, y + 4, w, row_height - 8,
                          palette.colour(s.name), html_escape(rows[i].label + " · " + s.name), s.value / unit_scale, unit);
      at += w;
      total += s.value;
    }
    bars += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" fill="#555">{:.3f} {}</text>)", at + 6, y + row_height * 0.6, total / unit_scale, unit);
  }
  const double legend_height = 16.0 * static_cast<double>(legend.size()) + 10;
  std::string svg = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" width="{}" height="{}" font-family="sans-serif" font-size="11">)", width,
                                std::max(height, legend_height), width, std::max(height, legend_height));
  svg += bars;
  for (size_t i = 0; i < legend.size(); ++i)
    svg += fmt::format(R"(<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">{}</text>)", width - legend_width, 8 + 16 * i, palette.colour(legend[i]),
                       width - legend_width + 14, 17 + 16 * i, html_escape(legend[i]));
  return svg + "</svg>";
}

std::string step_lines_svg(const std::vector<StepSeries>& series, double end_x) {
  constexpr double width = 1000, height = 300, left = 80, right = 160, top = 16, bottom = 34;
  double most = 0;
  for (const StepSeries& s : series)
    for (const auto& [px, py] : s.points) most = std::max(most, py), end_x = std::max(end_x, px);
  most = sane(most, 1);
  end_x = sane(end_x, 1);
  // Round steps in the unit the peak is read in (KiB, MiB...), the axis up to the step above it.
  double unit = 1;
  while (most / unit >= 1024 && unit < 1e15) unit *= 1024;
  const double ystep = nice_step(most / unit, 5) * unit;
  most = std::ceil(most / ystep) * ystep;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto x = [&](double v) { return left + plot_w * v / end_x; };
  auto y = [&](double v) { return top + plot_h * (1 - v / most); };
  std::string svg = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" width="{}" height="{}" font-family="sans-serif" font-size="11">)",
                                width, height, width, height);
  for (double v = 0; v <= most * (1 + 1e-9); v += ystep)
    svg += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#e5e5e5"/><text x="{}" y="{:.1f}" text-anchor="end" fill="#555">{}</text>)", left, y(v), width - right,
                       y(v), left - 6, y(v) + 4, format_bytes(v));
  const double xstep = nice_step(end_x, 8);
  for (double v = 0; v <= end_x + 1e-9; v += xstep)
    svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" fill="#555">{}</text>)", x(v), height - bottom + 16, time_text(v));
  for (size_t i = 0; i < series.size(); ++i) {
    const StepSeries& s = series[i];
    std::string path;
    double last = 0;
    for (size_t k = 0; k < s.points.size(); ++k) {
      const auto [px, py] = s.points[k];
      path += k == 0 ? fmt::format("M{:.1f},{:.1f}", x(px), y(py)) : fmt::format(" H{:.1f} V{:.1f}", x(px), y(py));
      last = py;
    }
    if (!path.empty()) path += fmt::format(" H{:.1f}", x(end_x));
    svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.8"><title>{}: peak {}</title></path>)", path, s.colour, html_escape(s.name), format_bytes([&] {
                         double peak = 0;
                         for (const auto& p : s.points) peak = std::max(peak, p.second);
                         return peak;
                       }()));
    (void)last;
    svg += fmt::format(R"(<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">{}</text>)", width - right + 10, top + 16 * i, s.colour, width - right + 24,
                       top + 9 + 16 * i, html_escape(s.name));
  }
  return svg + "</svg>";
}

std::string lines_svg(const std::vector<LineSeries>& series, const std::string& x_label, const std::string& y_label) {
  constexpr double width = 1000, height = 320, left = 80, right = 200, top = 16, bottom = 44;
  double lo = INFINITY, hi = 0, most = 0;
  for (const LineSeries& s : series)
    for (const auto& [px, py] : s.points) lo = std::min(lo, px), hi = std::max(hi, px), most = std::max(most, py);
  if (!(hi > 0) || !std::isfinite(hi) || !(lo > 0)) return "";
  if (hi <= lo) hi = lo * 2;
  most = sane(most, 1);
  const double ystep = nice_step(most, 5);
  most = std::ceil(most / ystep) * ystep;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto x = [&](double v) { return left + plot_w * (std::log2(v) - std::log2(lo)) / (std::log2(hi) - std::log2(lo)); };
  auto y = [&](double v) { return top + plot_h * (1 - v / most); };
  std::string svg = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" width="{}" height="{}" font-family="sans-serif" font-size="11">)",
                                width, height, width, height);
  for (double v = 0; v <= most * (1 + 1e-9); v += ystep)
    svg += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#e5e5e5"/><text x="{}" y="{:.1f}" text-anchor="end" fill="#555">{:g}</text>)", left, y(v), width - right,
                       y(v), left - 6, y(v) + 4, v);
  std::vector<double> xs;
  for (const LineSeries& s : series)
    for (const auto& p : s.points) xs.push_back(p.first);
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  for (double v : xs) svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" fill="#555">{:g}</text>)", x(v), height - bottom + 16, v);
  svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)", left + plot_w / 2, height - 8, html_escape(x_label));
  svg += fmt::format(R"svg(<text x="14" y="{:.1f}" transform="rotate(-90 14 {:.1f})" text-anchor="middle">{}</text>)svg", top + plot_h / 2, top + plot_h / 2, html_escape(y_label));
  for (size_t i = 0; i < series.size(); ++i) {
    const LineSeries& s = series[i];
    std::string path;
    for (size_t k = 0; k < s.points.size(); ++k) path += fmt::format("{}{:.1f},{:.1f}", k ? " L" : "M", x(s.points[k].first), y(s.points[k].second));
    svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="2"/>)", path, s.colour);
    for (size_t k = 0; k < s.points.size(); ++k) {
      const std::string label = k < s.labels.size() ? s.labels[k] : "";
      svg += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="4" fill="{}"><title>{} at {:g}: {:g}{}</title></circle>)", x(s.points[k].first), y(s.points[k].second), s.colour,
                         html_escape(s.name), s.points[k].first, s.points[k].second, label.empty() ? "" : " — " + html_escape(label));
      if (!label.empty())
        svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="10" fill="#444">{}</text>)", x(s.points[k].first) + 6, y(s.points[k].second) - 6, html_escape(label));
    }
    svg += fmt::format(R"(<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">{}</text>)", width - right + 10, top + 16 * i, s.colour, width - right + 24,
                       top + 9 + 16 * i, html_escape(s.name));
  }
  return svg + "</svg>";
}

}  // namespace report
