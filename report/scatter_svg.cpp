#include "report/scatter_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace report {

namespace {

constexpr double width = 760, height = 560, left = 80, right = 200, top = 40, bottom = 60;
// Tableau's ten colours, then two more: distinguishable, print well.
constexpr const char* palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                   "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b"};

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string scatter_svg(const ScatterChart& chart) {
  std::vector<const ScatterPoint*> shown;
  double lo = INFINITY, hi = 0;
  for (const ScatterPoint& p : chart.points) {
    if (!(p.x > 0 && p.y > 0)) continue;
    shown.push_back(&p);
    lo = std::min({lo, p.x, p.y});
    hi = std::max({hi, p.x, p.y});
  }
  if (shown.empty()) {
    lo = 1;
    hi = 10;
  }
  // Whole decades on both axes, the same on each: y = x is the diagonal.
  const double d0 = std::floor(std::log10(lo)), d1 = std::max(d0 + 1, std::ceil(std::log10(hi)));
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto px = [&](double v) { return left + (std::log10(v) - d0) / (d1 - d0) * plot_w; };
  auto py = [&](double v) { return top + plot_h - (std::log10(v) - d0) / (d1 - d0) * plot_h; };

  std::string svg = fmt::format(R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="sans-serif" font-size="12">)svg",
                                width, height, width, height);
  svg += fmt::format(R"svg(<text x="{}" y="22" font-size="15" font-weight="bold">{}</text>)svg", left, html_escape(chart.title));
  svg += fmt::format(R"svg(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#999"/>)svg", left, top, plot_w, plot_h);
  for (double d = d0; d <= d1; ++d) {
    const double v = std::pow(10.0, d);
    svg += fmt::format(R"svg(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#eee"/><text x="{0:.1f}" y="{3}" text-anchor="middle">{4:g}</text>)svg", px(v), top,
                       top + plot_h, top + plot_h + 16, v);
    svg += fmt::format(R"svg(<line x1="{1}" y1="{0:.1f}" x2="{2}" y2="{0:.1f}" stroke="#eee"/><text x="{3}" y="{0:.1f}" text-anchor="end" dy="4">{4:g}</text>)svg", py(v), left,
                       left + plot_w, left - 6, v);
  }
  svg += fmt::format(R"svg(<text x="{}" y="{}" text-anchor="middle">{}</text>)svg", left + plot_w / 2, height - 18, html_escape(chart.x_label));
  svg += fmt::format(R"svg(<text transform="translate(18,{}) rotate(-90)" text-anchor="middle">{}</text>)svg", top + plot_h / 2, html_escape(chart.y_label));
  // y = x and the band, clipped to the plot's decades.
  const double a = std::pow(10.0, d0), b = std::pow(10.0, d1);
  svg += fmt::format(R"svg(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#444"/>)svg", px(a), py(a), px(b), py(b));
  for (double f : {1 + chart.band, 1 - chart.band})
    svg += fmt::format(R"svg(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#888" stroke-dasharray="4 3"/>)svg", px(a), py(a * f), px(b), py(b * f));

  std::map<std::string, const char*> colours;
  for (const ScatterPoint* p : shown)
    if (!colours.count(p->series)) colours[p->series] = palette[colours.size() % std::size(palette)];
  for (const ScatterPoint* p : shown) {
    const char* colour = colours[p->series];
    svg += fmt::format(R"svg(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}" fill-opacity="{}" stroke="{}"><title>{}</title></circle>)svg", px(p->x), py(p->y),
                       p->hollow ? "none" : colour, p->hollow ? 0 : 0.7, colour, html_escape(p->label));
  }
  double y = top + 8;
  for (const auto& [series, colour] : colours) {
    svg += fmt::format(R"svg(<circle cx="{}" cy="{}" r="5" fill="{}"/><text x="{}" y="{}" dy="4">{}</text>)svg", width - right + 20, y, colour, width - right + 32, y,
                       html_escape(series));
    y += 18;
  }
  y += 8;
  svg += fmt::format(R"svg(<text x="{}" y="{}" fill="#444">— y = x;  - - ±{:.0f}%</text>)svg", width - right + 14, y, chart.band * 100);
  if (!chart.filled_meaning.empty())
    svg += fmt::format(R"svg(<circle cx="{}" cy="{}" r="4" fill="#666"/><text x="{}" y="{}" dy="4">{}</text>)svg", width - right + 20, y + 20, width - right + 32, y + 20,
                       html_escape(chart.filled_meaning));
  if (!chart.hollow_meaning.empty())
    svg += fmt::format(R"svg(<circle cx="{}" cy="{}" r="4" fill="none" stroke="#666"/><text x="{}" y="{}" dy="4">{}</text>)svg", width - right + 20, y + 38,
                       width - right + 32, y + 38, html_escape(chart.hollow_meaning));
  svg += "</svg>";
  return svg;
}

}  // namespace report
