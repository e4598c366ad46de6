#include "report/fit_report.h"

#include <fmt/format.h>

#include "report/scatter_svg.h"

namespace report {

namespace {

std::string batch_text(const std::optional<int64_t>& b) { return b ? std::to_string(*b) : std::string("as bound"); }

std::string percent(double share) { return fmt::format("{:.0f}%", 100 * share); }

std::string whole_text(const costmodel::Check& c) {
  if (c.whole_measured_us <= 0) return "no whole-model run";
  return fmt::format("whole model predicted {:.3f} ms vs measured {:.3f} ms ({:+.1f}%)", c.whole_predicted_us / 1000, c.whole_measured_us / 1000,
                     100 * (c.whole_predicted_us / c.whole_measured_us - 1));
}

// How many of a check's nodes were predicted beyond what the formulas' data supports.
std::string fallbacks_text(const costmodel::Check& c) {
  std::string text;
  for (const char* source : {"bounded", "roofline"})
    if (auto it = c.sources.find(source); it != c.sources.end() && it->second > 0) text += fmt::format("{}{} {}", text.empty() ? "" : ", ", it->second, source);
  return text.empty() ? "" : " (" + text + ")";
}

std::string check_line(const std::string& what, const costmodel::Check& c) {
  std::string line = fmt::format("{} {:<6} nodes within ±10%: {} (formulas alone {}), MAPE {:.1f}%{}; {}\n", what, c.device, percent(c.nodes.within_10),
                                 percent(c.nodes_op_only.within_10), 100 * c.nodes.mape, fallbacks_text(c), whole_text(c));
  // A figure that large says the model does not describe these nodes: said, not just printed.
  if (c.nodes.mape > 1.0) line += fmt::format("warning: {} on {}: node predictions are off by {:.0f}% on average; do not plan this model with this cost model\n", what, c.device, 100 * c.nodes.mape);
  return line;
}

ScatterChart device_chart(const costmodel::CostModel& model, const std::vector<costmodel::PointPrediction>& cross_validated, const costmodel::DeviceModel& device) {
  ScatterChart chart;
  chart.title = fmt::format("{} ({}): predicted vs measured per node", device.name, device.spec);
  chart.x_label = "measured µs";
  chart.y_label = "predicted µs";
  chart.filled_meaning = "cross-validated (op formula)";
  chart.hollow_meaning = "held out / other model";
  for (const costmodel::PointPrediction& p : cross_validated)
    if (p.device == device.name)
      chart.points.push_back({p.measured_us, p.predicted_us, p.op_type,
                              fmt::format("{} ({}), batch {}: measured {:.2f} µs, predicted {:.2f} µs", p.node, p.op_type, batch_text(p.batch), p.measured_us, p.predicted_us),
                              false});
  for (const auto* checks : {&model.validation.holdout, &model.validation.test})
    for (const costmodel::Check& c : *checks)
      if (c.device == device.name)
        for (const costmodel::PointPrediction& p : c.predictions)
          chart.points.push_back({p.measured_us, p.predicted_us, p.op_type,
                                  fmt::format("{} ({}), {} batch {}: measured {:.2f} µs, predicted {:.2f} µs from {}", p.node, p.op_type, c.model_path,
                                              batch_text(p.batch), p.measured_us, p.predicted_us, p.source),
                                  true});
  return chart;
}

}  // namespace

std::string fit_summary_text(const costmodel::CostModel& model) {
  std::string out;
  for (const costmodel::DeviceModel& d : model.devices) {
    out += fmt::format("device {} ({}){}: whole-model scale {:.3f}\n", d.name, d.spec, d.estimated ? ", estimated from a device spec" : "", d.whole_model_scale);
    if (d.ops.empty()) continue;
    out += fmt::format("  {:<22} {:>6}  {:<12} {:>8} {:>6} {:>6}\n", "op kind", "points", "form", "CV MAPE", "±10%", "±25%");
    for (const auto& [op, f] : d.ops) {
      if (f.cv.points == 0) {
        out += fmt::format("  {:<22} {:>6}  {:<12} {:>8} {:>6} {:>6}\n", op, f.samples, costmodel::form_name(f.form), "-", "-", "-");
        continue;
      }
      out += fmt::format("  {:<22} {:>6}  {:<12} {:>7.1f}% {:>6} {:>6}\n", op, f.samples, costmodel::form_name(f.form), 100 * f.cv.mape, percent(f.cv.within_10),
                         percent(f.cv.within_25));
    }
    for (const auto* formulas : {&d.ops, &d.families})
      for (const auto& [name, f] : *formulas)
        if (!f.note.empty()) out += fmt::format("  note: {}: {}; {} taken\n", name, f.note, costmodel::form_name(f.form));
  }
  for (const costmodel::Check& c : model.validation.holdout) out += check_line(fmt::format("held out batch {:<3}", batch_text(c.batch)), c);
  for (const costmodel::Check& c : model.validation.test) out += check_line(fmt::format("test {} batch {}", c.model_path, batch_text(c.batch)), c);
  return out;
}

std::string fit_report_svg(const costmodel::CostModel& model, const std::vector<costmodel::PointPrediction>& cross_validated) {
  if (model.devices.empty()) return scatter_svg({});
  return scatter_svg(device_chart(model, cross_validated, model.devices.front()));
}

std::string fit_report_html(const costmodel::CostModel& model, const std::vector<costmodel::PointPrediction>& cross_validated) {
  std::string html = R"svg(<!DOCTYPE html><html><head><meta charset="utf-8"><title>partplan cost model</title><style>
body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 24px}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}h2{margin-top:32px}.note{color:#666}</style></head><body><h1>partplan cost model</h1>)svg";
  html += "<p>Trained on: ";
  for (size_t i = 0; i < model.trained_on.size(); ++i) html += (i ? ", " : "") + html_escape(model.trained_on[i].path);
  html += R"svg(.</p><p class="note">Relative errors are taken against max(measured, 1 µs). Cross-validated points: each node predicted by its op kind's formula fitted without it (k-fold). Hollow points: batch sizes held out of the fit, or another model's nodes, predicted through the whole fallback chain.</p>)svg";
  for (const costmodel::DeviceModel& d : model.devices) {
    html += fmt::format("<h2>{} — {}</h2>", html_escape(d.name), html_escape(d.description));
    if (d.estimated) html += fmt::format(R"svg(<p class="note">Estimated from a device spec ({}).</p>)svg", html_escape(d.spec_sources));
    html += scatter_svg(device_chart(model, cross_validated, d));
    html += "<table><tr><th>op kind</th><th>points</th><th>form</th><th>CV MAPE</th><th>within ±10%</th><th>within ±25%</th><th>worst</th></tr>";
    for (const auto& [op, f] : d.ops) {
      std::string worst;
      for (const costmodel::Miss& m : f.cv.worst)
        worst += fmt::format("{}{} ({:.1f} vs {:.1f} µs)", worst.empty() ? "" : "; ", html_escape(m.node), m.predicted_us, m.measured_us);
      html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", html_escape(op), f.samples, costmodel::form_name(f.form),
                          f.cv.points ? fmt::format("{:.1f}%", 100 * f.cv.mape) : "-", f.cv.points ? percent(f.cv.within_10) : "-",
                          f.cv.points ? percent(f.cv.within_25) : "-", worst);
    }
    html += "</table>";
    std::string checks;
    for (const auto* list : {&model.validation.holdout, &model.validation.test})
      for (const costmodel::Check& c : *list)
        if (c.device == d.name)
          checks += fmt::format("<tr><td>{} batch {}</td><td>{}</td><td>{}</td><td>{:.1f}%</td><td>{}</td></tr>", html_escape(c.model_path), batch_text(c.batch),
                                percent(c.nodes.within_10), percent(c.nodes_op_only.within_10), 100 * c.nodes.mape, html_escape(whole_text(c)));
    if (!checks.empty())
      html += "<table><tr><th>held out / tested</th><th>nodes within ±10%</th><th>formulas alone</th><th>MAPE</th><th>whole model</th></tr>" + checks + "</table>";
  }
  html += "</body></html>\n";
  return html;
}

}  // namespace report
