#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ir/error.h"
#include "report/graph_layout.h"
#include "report/inspect_report.h"
#include "report/plan_dot.h"
#include "report/scatter_svg.h"
#include "report/svg_charts.h"

namespace report {

namespace {

constexpr const char* style = R"css(
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1060px;color:#222;background:#fff}
h1{margin-bottom:4px}h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
.files{color:#666;font-size:13px}.note{color:#666;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
.card .label{font-size:12px;color:#666}.card .value{font-size:22px;font-weight:600}.card .sub{font-size:12px;color:#666}
.good{color:#2a7d2a}.bad{color:#b22}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}th{cursor:pointer;user-select:none}
.nodes td:nth-child(-n+3),.nodes th:nth-child(-n+3){text-align:left}
svg.chart{max-width:100%;height:auto;display:block}
.dag svg{max-width:100%;height:auto}
.hl{outline:2px solid #000;stroke:#000 !important;stroke-width:2px !important}
.dag g.hl path,.dag g.hl polygon,.dag g.hl ellipse{stroke:#000 !important;stroke-width:4px !important}
tr.hl td{background:#fff3b0}
)css";

// Clicking a node (a timeline bar, a DAG node, a table row) marks it everywhere; clicking a
// table header sorts by that column.
constexpr const char* script = R"js(
(function () {
  function mark(name) {
    document.querySelectorAll('.hl').forEach(function (e) { e.classList.remove('hl'); });
    if (!name) return;
    document.querySelectorAll('[data-node]').forEach(function (e) {
      if (e.getAttribute('data-node') === name) e.classList.add('hl');
    });
    document.querySelectorAll('.dag g.node').forEach(function (g) {
      var t = g.querySelector('title');
      if (t && t.textContent === name) g.classList.add('hl');
    });
  }
  document.addEventListener('click', function (event) {
    var e = event.target.closest('[data-node]');
    if (e) { mark(e.getAttribute('data-node')); return; }
    var g = event.target.closest('.dag g.node');
    if (g) { var t = g.querySelector('title'); mark(t ? t.textContent : null); return; }
    var th = event.target.closest('th');
    if (!th) return;
    var table = th.closest('table'), column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var rows = Array.prototype.slice.call(table.querySelectorAll('tr')).slice(1);
    var down = th.getAttribute('data-down') !== '1';
    th.setAttribute('data-down', down ? '1' : '0');
    rows.sort(function (a, b) {
      var x = a.children[column].textContent, y = b.children[column].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return down ? -c : c;
    });
    rows.forEach(function (r) { table.appendChild(r); });
  });
})();
)js";

std::string card(const std::string& label, const std::string& value, const std::string& sub = "", const std::string& tone = "") {
  return fmt::format(R"(<div class="card"><div class="label">{}</div><div class="value{}">{}</div><div class="sub">{}</div></div>)", html_escape(label),
                     tone.empty() ? "" : " " + tone, html_escape(value), html_escape(sub));
}

std::string ms(double us) { return fmt::format("{:.3f} ms", us / 1000); }

// Time per op kind per device: a profile's nodes alone, else a run's nodes.
std::vector<BarRow> op_time_rows(const ReportInputs& in) {
  std::vector<BarRow> rows;
  if (!in.profiles.empty()) {
    const profiler::Profile& p = in.profiles.front().value;
    if (p.batches.empty()) return rows;
    const profiler::BatchProfile& b = p.batches.front();
    for (const profiler::DeviceInfo& d : p.devices) {
      std::map<std::string, double> by_op;
      for (const profiler::NodeRecord& r : b.nodes)
        if (auto it = r.devices.find(d.name); it != r.devices.end() && it->second.stats) by_op[r.op_type] += it->second.stats->median_us;
      BarRow row{d.name + (b.batch ? fmt::format(" (batch {})", *b.batch) : ""), {}};
      for (const auto& [op, us] : by_op) row.segments.push_back({op, us});
      std::stable_sort(row.segments.begin(), row.segments.end(), [](const BarSegment& x, const BarSegment& y) { return x.value > y.value; });
      rows.push_back(std::move(row));
    }
    return rows;
  }
  for (const Named<RunSummary>& r : in.runs) {
    std::map<std::string, std::map<std::string, double>> by_device;
    for (const RunNode& n : r.value.nodes) by_device[n.device][n.op_type] += n.median_us.value_or(n.mean_us);
    for (const auto& [device, by_op] : by_device) {
      BarRow row{device + " (measured)", {}};
      for (const auto& [op, us] : by_op) row.segments.push_back({op, us});
      std::stable_sort(row.segments.begin(), row.segments.end(), [](const BarSegment& x, const BarSegment& y) { return x.value > y.value; });
      rows.push_back(std::move(row));
    }
    break;
  }
  return rows;
}

std::string summary_cards(const ReportInputs& in) {
  std::string out = R"(<div class="cards">)";
  if (!in.plans.empty()) {
    const planner::Plan& p = in.plans.front().value;
    out += card("predicted latency", ms(p.predicted.latency_us), p.objective + " plan");
    out += card("predicted throughput", fmt::format("{:.0f} /s", p.predicted.throughput_per_s()), p.predicted.pipelined_throughput_per_s ? "pipelined" : "one request at a time");
    // Against the best baseline in what the plan optimises: throughput for a pipeline, else latency.
    const bool by_throughput = p.objective == "throughput";
    auto figure = [&](const planner::PlanMetrics& m) { return by_throughput ? m.throughput_per_s() : m.latency_us; };
    double best = 0;
    std::string best_name;
    for (const planner::Baseline& b : p.baselines)
      if (b.metrics && figure(*b.metrics) > 0 && (best == 0 || (by_throughput ? figure(*b.metrics) > best : figure(*b.metrics) < best)))
        best = figure(*b.metrics), best_name = b.name;
    if (best > 0) {
      const double ratio = figure(p.predicted) / best;
      out += card("vs best baseline", fmt::format("{:.2f}x", ratio), best_name + (by_throughput ? " (throughput, predicted)" : " (latency, predicted)"),
                  (by_throughput ? ratio >= 1 : ratio <= 1) ? "good" : "bad");
    }
    std::string nodes;
    for (const auto& [device, count] : p.predicted.nodes) nodes += (nodes.empty() ? "" : ", ") + fmt::format("{} {}", device, count);
    out += card("nodes per device", std::to_string(p.nodes.size()), nodes);
    out += card("copies", std::to_string(p.predicted.copies), format_bytes(static_cast<double>(p.predicted.copied_bytes)));
  }
  for (const Named<RunSummary>& named : in.runs) {
    const RunSummary& r = named.value;
    out += card("measured p50", fmt::format("{:.3f} ms", r.latency_ms.p50), fmt::format("p99 {:.3f} ms", r.latency_ms.p99));
    out += card("measured throughput", fmt::format("{:.0f} /s", r.throughput_per_s), r.load);
    if (r.predicted_latency_ms && *r.predicted_latency_ms > 0) {
      const double ratio = r.latency_ms.p50 / *r.predicted_latency_ms;
      out += card("measured / predicted", fmt::format("{:.2f}x", ratio), r.node_median_error ? fmt::format("median node error {:.0f}%", 100 * *r.node_median_error) : "",
                  std::abs(ratio - 1) <= 0.10 ? "good" : "bad");
    }
    for (const RunBaseline& b : r.baselines)
      if (!b.is_the_plan)  // the plan measured against itself says nothing
        out += card("plan / " + b.name, fmt::format("{:.2f}x", b.plan_latency_ratio), "measured p50 latency", b.plan_latency_ratio <= 1.02 ? "good" : "bad");
    if (r.outputs_ok) out += card("outputs", *r.outputs_ok ? "match" : "differ", "against one CPU device", *r.outputs_ok ? "good" : "bad");
    break;  // the first run's
  }
  if (in.plans.empty() && in.runs.empty())
    for (const Named<profiler::Profile>& p : in.profiles) {
      for (const auto& b : p.value.batches)
        for (const auto& [device, w] : b.whole_model) out += card("whole model on " + device, ms(w.fused ? w.fused->median_us : w.unfused.median_us), "as run");
      break;
    }
  return out + "</div>";
}

std::string timeline_section(const ReportInputs& in) {
  std::vector<GanttRow> rows;
  Palette palette;
  for (const Named<planner::Plan>& named : in.plans) {
    const planner::Plan& p = named.value;
    bool first = true;
    for (const planner::PlannedDevice& d : p.devices) {
      GanttRow row{"predicted · " + d.name, {}, first};
      first = false;
      for (const planner::PlannedNode& n : p.nodes)
        if (n.device == d.name && n.end_us > n.start_us)
          row.bars.push_back({n.start_us, n.end_us, n.name, fmt::format("{} ({}) on {}: {:.1f} µs predicted", n.name, n.op_type, n.device, n.end_us - n.start_us),
                              palette.colour(n.op_type)});
      rows.push_back(std::move(row));
    }
    std::map<std::string, GanttRow> copy_rows;
    for (const planner::PlannedCopy& c : p.copies) {
      GanttRow& row = copy_rows[c.from + " → " + c.to];
      row.label = "predicted · copy " + c.from + " → " + c.to;
      row.bars.push_back({c.start_us, c.end_us, "", fmt::format("{}: {} ({:.1f} µs)", c.tensor, format_bytes(static_cast<double>(c.bytes)), c.end_us - c.start_us), "#999"});
    }
    for (auto& [key, row] : copy_rows) rows.push_back(std::move(row));
    break;  // the first plan's
  }
  for (const Named<RunSummary>& named : in.runs) {
    const RunSummary& r = named.value;
    if (r.timeline.empty()) continue;
    std::map<std::string, std::string> op_of;
    for (const RunNode& n : r.nodes) op_of[n.name] = n.op_type;
    bool first = true;
    for (const RunDevice& d : r.devices) {
      GanttRow row{"measured · " + d.name, {}, first};
      first = false;
      for (const TimelineSpan& s : r.timeline)
        if (s.device == d.name)
          row.bars.push_back({s.start_us, s.end_us, s.name, fmt::format("{} ({}) on {}: {:.1f} µs measured", s.name, op_of[s.name], s.device, s.end_us - s.start_us),
                              palette.colour(op_of[s.name])});
      rows.push_back(std::move(row));
    }
    std::map<std::string, GanttRow> copy_rows;
    for (const CopyTimelineSpan& c : r.timeline_copies) {
      GanttRow& row = copy_rows[c.from + " → " + c.to];
      row.label = "measured · copy " + c.from + " → " + c.to;
      row.bars.push_back({c.start_us, c.end_us, "", fmt::format("{}: {} ({:.1f} µs)", c.tensor, format_bytes(static_cast<double>(c.bytes)), c.end_us - c.start_us), "#999"});
    }
    for (auto& [key, row] : copy_rows) rows.push_back(std::move(row));
    break;
  }
  if (rows.empty()) return "";
  const bool measured = std::any_of(rows.begin(), rows.end(), [](const GanttRow& r) { return r.label.rfind("measured", 0) == 0; });
  const bool predicted = std::any_of(rows.begin(), rows.end(), [](const GanttRow& r) { return r.label.rfind("predicted", 0) == 0; });
  return std::string("<h2>Timeline: ") + (predicted && measured ? "predicted and measured" : predicted ? "predicted" : "measured") +
         "</h2><p class=\"note\">" + (predicted ? "The plan's simulated schedule (copies on a track per direction). " : "") +
         (measured ? "The replay's request of median latency, from its arrival. " : "") +
         "One time axis; colour by op kind. Click a bar to mark the node everywhere.</p>" + gantt_svg(rows);
}

std::string scatter_section(const ReportInputs& in) {
  ScatterChart chart;
  chart.title = "node time, predicted against measured";
  chart.x_label = "measured µs";
  chart.y_label = "predicted µs";
  chart.filled_meaning = "a replay's median per node";
  chart.hollow_meaning = "a cost-model check";
  for (const Named<RunSummary>& r : in.runs)
    for (const RunNode& n : r.value.nodes)
      if (n.median_us && n.predicted_us && *n.median_us > 0 && *n.predicted_us > 0)
        chart.points.push_back({*n.median_us, *n.predicted_us, n.device, fmt::format("{} ({}) on {}: {:.1f} µs measured, {:.1f} predicted", n.name, n.op_type, n.device, *n.median_us, *n.predicted_us), false});
  for (const Named<costmodel::CostModel>& m : in.costmodels)
    for (const auto* list : {&m.value.validation.holdout, &m.value.validation.test})
      for (const costmodel::Check& c : *list)
        for (const costmodel::PointPrediction& p : c.predictions)
          chart.points.push_back({p.measured_us, p.predicted_us, p.device, fmt::format("{} ({}) on {}: {:.1f} µs measured, {:.1f} predicted", p.node, p.op_type, p.device, p.measured_us, p.predicted_us), true});
  if (chart.points.empty()) return "";
  // Series take colours in order of appearance: by device name, as the other charts order them.
  std::stable_sort(chart.points.begin(), chart.points.end(), [](const ScatterPoint& a, const ScatterPoint& b) { return a.series < b.series; });
  return "<h2>Predicted against measured</h2><p class=\"note\">Each point a node; the band is ±10%.</p>" + scatter_svg(chart);
}

std::string memory_section(const ReportInputs& in) {
  if (in.plans.empty() || in.plans.front().value.memory_timeline.empty()) return "";
  const planner::Plan& p = in.plans.front().value;
  std::vector<StepSeries> series;
  for (size_t d = 0; d < p.devices.size(); ++d) {
    auto it = p.memory_timeline.find(p.devices[d].name);
    if (it == p.memory_timeline.end()) continue;
    StepSeries s{p.devices[d].name, device_colour(d), {}};
    for (const auto& [t, bytes] : it->second) s.points.push_back({t, static_cast<double>(bytes)});
    series.push_back(std::move(s));
  }
  std::string out = "<h2>Memory over time (predicted)</h2><p class=\"note\">Live bytes per device in the plan's schedule: weights resident, each activation from its "
                    "allocation to its last use there.";
  for (const Named<RunSummary>& r : in.runs)
    for (const RunDevice& d : r.value.devices)
      if (d.peak_memory_bytes > 0) out += fmt::format(" Measured peak on {}: {} (activations).", html_escape(d.name), format_bytes(static_cast<double>(d.peak_memory_bytes)));
  return out + "</p>" + step_lines_svg(series, p.predicted.latency_us);
}

std::string dag_section(const ReportInputs& in) {
  if (in.plans.empty()) return "";
  const Named<planner::Plan>& named = in.plans.front();
  bool any_tensor = false;
  for (const planner::PlannedNode& n : named.value.nodes) any_tensor = any_tensor || !n.outputs.empty();
  if (!any_tensor) return "<h2>The plan's graph</h2><p class=\"note\">This plan file lists no tensors (written before 2026-11-25): plan again to draw it.</p>";
  // Graphviz's layered layout grows faster than the node count: past this, --dot and `dot`.
  constexpr size_t most_nodes_drawn = 1500;
  if (named.value.nodes.size() > most_nodes_drawn)
    return fmt::format("<h2>The plan's graph</h2><p class=\"note\">{} nodes: too many to lay out here (at most {}); `partplan report --dot` writes it for Graphviz.</p>",
                       named.value.nodes.size(), most_nodes_drawn);
  std::string svg;
  try {
    svg = dot_to_svg(plan_dot(named.value, named.path));
  } catch (const ir::Error& e) {  // the rest of the report is still worth having
    return std::string("<h2>The plan's graph</h2><p class=\"note bad\">Not drawn: ") + html_escape(e.what()) + ". `partplan report --dot` writes it for Graphviz's `dot`.</p>";
  }
  return "<h2>The plan's graph</h2><p class=\"note\">Nodes coloured by device; heavy red edges cross devices. Laid out by Graphviz.</p><div class=\"dag\">" + svg + "</div>";
}

// Plans of one model at several batch sizes: predicted latency and throughput per batch, with
// the share of nodes on each device, so a change of placement shows.
std::string sweep_section(const ReportInputs& in) {
  std::map<int64_t, const planner::Plan*> by_batch;
  for (const Named<planner::Plan>& p : in.plans)
    if (!p.value.input_shapes.empty() && !p.value.input_shapes.begin()->second.empty()) by_batch[p.value.input_shapes.begin()->second.front()] = &p.value;
  if (by_batch.size() < 2) return "";
  LineSeries latency{"plan latency (ms)", "#4e79a7", {}, {}}, per_item{"plan ms per item", "#f28e2b", {}, {}};
  std::string table = "<table><tr><th>batch</th><th>latency ms</th><th>req/s</th><th>items/s</th><th>nodes per device</th><th>copies</th></tr>";
  for (const auto& [batch, plan] : by_batch) {
    std::string split;
    for (const auto& [device, count] : plan->predicted.nodes) split += (split.empty() ? "" : " ") + fmt::format("{}:{}", device, count);
    latency.points.push_back({static_cast<double>(batch), plan->predicted.latency_us / 1000});
    latency.labels.push_back(split);
    per_item.points.push_back({static_cast<double>(batch), plan->predicted.latency_us / 1000 / static_cast<double>(batch)});
    table += fmt::format("<tr><td>{}</td><td>{:.3f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{}</td><td>{}</td></tr>", batch, plan->predicted.latency_us / 1000,
                         plan->predicted.throughput_per_s(), plan->predicted.throughput_per_s() * static_cast<double>(batch), html_escape(split), plan->predicted.copies);
  }
  return "<h2>Sweep over batch sizes</h2><p class=\"note\">One plan per batch size; the labels give the nodes per device, so a change of placement shows.</p>" +
         lines_svg({latency, per_item}, "batch size", "ms") + table + "</table>";
}

std::string nodes_table(const ReportInputs& in) {
  for (const Named<RunSummary>& named : in.runs) {
    const RunSummary& r = named.value;
    if (!r.replay) continue;
    std::string out = "<h2>Nodes</h2><p class=\"note\">Click a header to sort, a row to mark the node.</p><table class=\"nodes\"><tr><th>node</th><th>op</th><th>device</th><th>median µs</th><th>predicted µs</th><th>error</th></tr>";
    for (const RunNode& n : r.nodes) {
      if (n.mean_us <= 0) continue;
      const double error = n.predicted_us && *n.predicted_us > 0 && n.median_us ? *n.median_us / *n.predicted_us - 1 : NAN;
      out += fmt::format(R"(<tr data-node="{}"><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td><td class="{}">{}</td></tr>)", html_escape(n.name), html_escape(n.name),
                         html_escape(n.op_type), html_escape(n.device), n.median_us.value_or(n.mean_us), n.predicted_us ? fmt::format("{:.1f}", *n.predicted_us) : "-",
                         std::isnan(error) ? "" : std::abs(error) <= 0.1 ? "good" : "bad", std::isnan(error) ? "-" : fmt::format("{:+.0f}%", 100 * error));
    }
    return out + "</table>";
  }
  return "";
}

}  // namespace

std::string html_report(const ReportInputs& in, const std::string& version) {
  std::string html = fmt::format(R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>partplan report: {}</title><style>{}</style></head><body>)",
                                 html_escape(in.model_path), style);
  html += fmt::format("<h1>partplan report</h1><div class=\"files\">{} (sha256 {}) · partplan {}</div><div class=\"files\">", html_escape(in.model_path),
                      html_escape(in.model_sha256.substr(0, 12)), html_escape(version));
  auto files = [&](const char* kind, const auto& list) {
    for (const auto& f : list) html += fmt::format("{}: {}<br>", kind, html_escape(f.path));
  };
  files("profile", in.profiles);
  files("cost model", in.costmodels);
  files("plan", in.plans);
  files("run", in.runs);
  html += "</div>" + summary_cards(in);
  if (const std::vector<BarRow> rows = op_time_rows(in); !rows.empty())
    html += "<h2>Time per op kind per device</h2><p class=\"note\">" +
            std::string(in.profiles.empty() ? "A replay's per-node medians." : "Each node's median alone, from the profile's first batch.") + "</p>" +
            stacked_bars_svg(rows, "ms", 1000);
  html += timeline_section(in);
  html += scatter_section(in);
  html += memory_section(in);
  html += sweep_section(in);
  html += nodes_table(in);
  html += dag_section(in);  // the tallest, last
  html += fmt::format("<script>{}</script></body></html>\n", script);
  return html;
}

}  // namespace report
