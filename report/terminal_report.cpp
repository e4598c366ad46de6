#include "report/terminal_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "costmodel/features.h"
#include "report/inspect_report.h"
#include "report/text_table.h"

namespace report {

namespace {

std::string ms(double us) { return fmt::format("{:.3f}", us / 1000); }

std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes) {
  std::string out;
  for (const auto& s : shapes) {
    if (!out.empty()) out += " ";
    out += s.empty() ? "-" : fmt::format("[{}]", fmt::join(s, ","));
  }
  return out;
}

// A ratio where below 1 favours the first figure (latency plan / baseline).
Cell ratio_cell(double ratio, bool lower_is_better) {
  if (!std::isfinite(ratio)) return {"-"};
  const bool good = lower_is_better ? ratio < 1 : ratio > 1;
  return {fmt::format("{:.3f}x", ratio), std::abs(ratio - 1) < 0.02 ? Tint::none : good ? Tint::good : Tint::bad};
}

// measured / predicted as a ratio, tinted when outside ±10%.
Cell predicted_ratio_cell(double ratio) {
  if (!std::isfinite(ratio)) return {"-"};
  return {fmt::format("{:.3f}x", ratio), std::abs(ratio - 1) <= 0.10 ? Tint::good : Tint::bad};
}

// measured / predicted - 1 as a signed percentage, tinted when outside ±10%.
Cell error_cell(double measured, double predicted) {
  if (predicted <= 0) return {"-"};
  const double e = measured / predicted - 1;
  return {fmt::format("{:+.0f}%", 100 * e), std::abs(e) <= 0.10 ? Tint::good : Tint::bad};
}

void profile_section(std::string& out, const Named<profiler::Profile>& named, const TerminalOptions& o) {
  const profiler::Profile& p = named.value;
  out += paint(fmt::format("profile  {}", named.path), Tint::bold, o.colour) + (p.complete ? "" : "  (incomplete: interrupted)") + "\n";
  for (const profiler::DeviceInfo& d : p.devices) out += fmt::format("  {}: {} (timer {})\n", d.name, d.description, d.timer);
  for (const profiler::BatchProfile& b : p.batches)
    for (const profiler::DeviceInfo& d : p.devices) {
      std::vector<const profiler::NodeRecord*> timed;
      double total = 0;
      for (const profiler::NodeRecord& r : b.nodes) {
        auto it = r.devices.find(d.name);
        if (it == r.devices.end() || !it->second.stats) continue;
        timed.push_back(&r);
        total += it->second.stats->median_us;
      }
      if (timed.empty()) continue;
      auto median = [&](const profiler::NodeRecord* r) { return r->devices.at(d.name).stats->median_us; };
      std::stable_sort(timed.begin(), timed.end(), [&](auto* a, auto* b2) { return median(a) > median(b2); });
      std::string whole;
      if (auto w = b.whole_model.find(d.name); w != b.whole_model.end()) {
        whole = fmt::format("; whole model {} ms unfused", ms(w->second.unfused.median_us));
        if (w->second.fused) whole += fmt::format(", {} ms as run", ms(w->second.fused->median_us));
      }
      out += fmt::format("\n  slowest on {}{}: {} of {} nodes, {} ms alone in all{}\n", d.name, b.batch ? fmt::format(" at batch {}", *b.batch) : "",
                         std::min<size_t>(timed.size(), static_cast<size_t>(o.top)), timed.size(), ms(total), whole);
      TextTable table({"node", "op", "input shapes", "median us", "share", "in run us"}, {false, false, false, true, true, true});
      const auto w = b.whole_model.find(d.name);
      for (size_t i = 0; i < timed.size() && i < static_cast<size_t>(o.top); ++i) {
        const profiler::NodeRecord& r = *timed[i];
        std::string in_run = "-";
        if (w != b.whole_model.end())
          if (auto f = w->second.fused_node_us.find(r.name); f != w->second.fused_node_us.end()) in_run = fmt::format("{:.1f}", f->second);
        table.add({{r.name}, {r.op_type}, {shapes_text(r.input_shapes)}, {fmt::format("{:.1f}", median(&r))},
                   {fmt::format("{:.1f}%", total > 0 ? 100 * median(&r) / total : 0.0)}, {in_run}});
      }
      out += table.render(o.colour);
    }
  out += "\n";
}

void costmodel_section(std::string& out, const Named<costmodel::CostModel>& named, const TerminalOptions& o) {
  const costmodel::CostModel& m = named.value;
  out += paint(fmt::format("cost model  {}", named.path), Tint::bold, o.colour) + fmt::format("  (trained on {} model(s))\n", m.trained_on.size());
  TextTable table({"device", "description", "op formulas", "node histories", "whole-model scale", "in-run scales"}, {false, false, true, true, true, false});
  for (const costmodel::DeviceModel& d : m.devices) {
    std::vector<std::pair<std::string, double>> scales(d.in_run_scale.begin(), d.in_run_scale.end());
    std::string scale_text;
    for (size_t i = 0; i < scales.size() && i < 4; ++i) scale_text += fmt::format("{}{} {:.2f}", i ? ", " : "", scales[i].first, scales[i].second);
    if (scales.size() > 4) scale_text += fmt::format(", … ({} kinds)", scales.size());
    table.add({{d.name}, {d.description + (d.estimated ? " (from a device spec)" : "")}, {std::to_string(d.ops.size())}, {std::to_string(d.nodes.size())},
               {fmt::format("{:.3f}", d.whole_model_scale)}, {scale_text.empty() ? "-" : scale_text}});
  }
  out += table.render(o.colour);
  auto checks = [&](const char* what, const std::vector<costmodel::Check>& list) {
    if (list.empty()) return;
    TextTable t({what, "device", "batch", "nodes", "within 10%", "MAPE", "whole model measured ms", "predicted ms"}, {false, false, true, true, true, true, true, true});
    for (const costmodel::Check& c : list)
      t.add({{c.model_path}, {c.device}, {c.batch ? std::to_string(*c.batch) : "-"}, {std::to_string(c.nodes.points)},
             {fmt::format("{:.0f}%", 100 * c.nodes.within_10), c.nodes.within_10 >= 0.9 ? Tint::good : Tint::bad}, {fmt::format("{:.1f}%", 100 * c.nodes.mape)},
             {c.whole_measured_us > 0 ? ms(c.whole_measured_us) : "-"}, {c.whole_measured_us > 0 ? ms(c.whole_predicted_us) : "-"}});
    out += t.render(o.colour);
  };
  checks("held-out batches", m.validation.holdout);
  checks("other models", m.validation.test);
  out += "\n";
}

void plan_section(std::string& out, const Named<planner::Plan>& named, const TerminalOptions& o) {
  const planner::Plan& p = named.value;
  out += paint(fmt::format("plan  {}", named.path), Tint::bold, o.colour) + fmt::format("  ({} objective: {})\n", p.objective, p.algorithm);
  std::vector<std::string> header = {"", "latency ms", "plan / this", "req/s"};
  for (const planner::PlannedDevice& d : p.devices) header.push_back("peak " + d.name);
  for (const planner::PlannedDevice& d : p.devices) header.push_back("nodes " + d.name);
  header.push_back("copies");
  std::vector<bool> right(header.size(), true);
  right[0] = false;
  TextTable table(header, right);
  auto row = [&](const std::string& name, const planner::PlanMetrics& m, bool is_plan) {
    std::vector<Cell> cells = {{name, is_plan ? Tint::bold : Tint::none}, {ms(m.latency_us)}};
    cells.push_back(is_plan ? Cell{"-"} : ratio_cell(p.predicted.latency_us / m.latency_us, true));
    cells.push_back({fmt::format("{:.1f}", m.throughput_per_s())});
    for (const planner::PlannedDevice& d : p.devices) cells.push_back({m.peak_bytes.count(d.name) ? format_bytes(static_cast<double>(m.peak_bytes.at(d.name))) : "-"});
    for (const planner::PlannedDevice& d : p.devices) cells.push_back({m.nodes.count(d.name) ? std::to_string(m.nodes.at(d.name)) : "-"});
    cells.push_back({std::to_string(m.copies)});
    table.add(std::move(cells));
  };
  row("plan", p.predicted, true);
  for (const planner::Baseline& b : p.baselines)
    if (b.metrics) row(b.name, *b.metrics, false);
  out += table.render(o.colour);
  for (const planner::Baseline& b : p.baselines)
    if (!b.metrics) out += fmt::format("  {}: not possible ({})\n", b.name, b.not_possible);
  for (const planner::PlannedDevice& d : p.devices)
    if (!d.present) out += fmt::format("  {} is a what-if here ({})\n", d.name, d.estimated ? "from a device spec" : "profiled on " + d.machine);
  out += "\n";
}

void run_section(std::string& out, const Named<RunSummary>& named, const TerminalOptions& o) {
  const RunSummary& r = named.value;
  out += paint(fmt::format("run  {}", named.path), Tint::bold, o.colour) +
         fmt::format("  ({}{})\n", r.replay ? "plan " + r.plan_path + ", " : "on " + r.devices.front().name + ", ", r.load);
  TextTable latency({"", "p50 ms", "p90 ms", "p99 ms", "max ms", "req/s", "plan / this"}, {false, true, true, true, true, true, true});
  latency.add({{"measured", Tint::bold}, {fmt::format("{:.3f}", r.latency_ms.p50)}, {fmt::format("{:.3f}", r.latency_ms.p90)}, {fmt::format("{:.3f}", r.latency_ms.p99)},
               {fmt::format("{:.3f}", r.latency_ms.max)}, {fmt::format("{:.1f}", r.throughput_per_s)}, {"-"}});
  if (r.predicted_latency_ms)
    latency.add({{"predicted"}, {fmt::format("{:.3f}", *r.predicted_latency_ms)}, {}, {}, {}, {fmt::format("{:.1f}", r.predicted_throughput_per_s.value_or(0))},
                 predicted_ratio_cell(r.latency_ms.p50 / *r.predicted_latency_ms)});
  for (const RunBaseline& b : r.baselines)
    latency.add({{b.is_the_plan ? b.name + " (the plan)" : b.name}, {fmt::format("{:.3f}", b.latency_ms.p50)}, {fmt::format("{:.3f}", b.latency_ms.p90)}, {fmt::format("{:.3f}", b.latency_ms.p99)},
                 {fmt::format("{:.3f}", b.latency_ms.max)}, {fmt::format("{:.1f}", b.throughput_per_s)}, ratio_cell(b.plan_latency_ratio, true)});
  out += latency.render(o.colour);
  if (r.replay) out += "  (plan / this: the plan's measured p50 over this row's)\n";

  if (r.replay) {
    TextTable devices({"device", "busy", "ms per request", "predicted", "error", "peak memory"}, {false, true, true, true, true, true});
    for (const RunDevice& d : r.devices)
      devices.add({{d.name}, {fmt::format("{:.0f}%", 100 * d.busy_share.value_or(0))}, {ms(d.busy_us_per_request.value_or(0))},
                   {ms(d.predicted_busy_us.value_or(0))}, error_cell(d.busy_us_per_request.value_or(0), d.predicted_busy_us.value_or(0)),
                   {format_bytes(static_cast<double>(d.peak_memory_bytes))}});
    out += devices.render(o.colour);
    if (r.node_median_error) out += fmt::format("  nodes: median |measured / predicted - 1| {:.0f}%\n", 100 * *r.node_median_error);
    if (r.outputs_ok) out += fmt::format("  outputs: {}\n", paint(*r.outputs_ok ? "match the one-device reference" : "DIFFER from the one-device reference",
                                                                   *r.outputs_ok ? Tint::good : Tint::bad, o.colour));
    // Where the plan's picture of the devices was most wrong, in microseconds per request.
    std::vector<const RunNode*> off;
    for (const RunNode& n : r.nodes)
      if (n.predicted_us && *n.predicted_us > 0 && n.median_us) off.push_back(&n);
    auto gap = [](const RunNode* n) { return std::abs(*n->median_us - *n->predicted_us); };
    std::stable_sort(off.begin(), off.end(), [&](auto* a, auto* b) { return gap(a) > gap(b); });
    if (!off.empty()) {
      out += fmt::format("\n  furthest from the prediction ({} of {}):\n", std::min<size_t>(off.size(), static_cast<size_t>(o.top)), off.size());
      TextTable t({"node", "op", "device", "median us", "predicted us", "error"}, {false, false, false, true, true, true});
      for (size_t i = 0; i < off.size() && i < static_cast<size_t>(o.top); ++i)
        t.add({{off[i]->name}, {off[i]->op_type}, {off[i]->device}, {fmt::format("{:.1f}", *off[i]->median_us)}, {fmt::format("{:.1f}", *off[i]->predicted_us)},
               error_cell(*off[i]->median_us, *off[i]->predicted_us)});
      out += t.render(o.colour);
    }
  }
  // The slowest nodes on each device.
  std::map<std::string, std::vector<const RunNode*>> by_device;
  for (const RunNode& n : r.nodes)
    if (n.mean_us > 0) by_device[n.device].push_back(&n);
  for (auto& [device, nodes] : by_device) {
    auto us = [](const RunNode* n) { return n->median_us.value_or(n->mean_us); };
    std::stable_sort(nodes.begin(), nodes.end(), [&](auto* a, auto* b) { return us(a) > us(b); });
    double total = 0;
    for (const RunNode* n : nodes) total += us(n);
    out += fmt::format("\n  slowest on {} ({} of {} nodes that ran, {} ms in all):\n", device, std::min<size_t>(nodes.size(), static_cast<size_t>(o.top)), nodes.size(), ms(total));
    TextTable t({"node", "op", r.replay ? "median us" : "mean us", "share"}, {false, false, true, true});
    for (size_t i = 0; i < nodes.size() && i < static_cast<size_t>(o.top); ++i)
      t.add({{nodes[i]->name}, {nodes[i]->op_type}, {fmt::format("{:.1f}", us(nodes[i]))}, {fmt::format("{:.1f}%", total > 0 ? 100 * us(nodes[i]) / total : 0.0)}});
    out += t.render(o.colour);
  }
  out += "\n";
}

}  // namespace

std::string terminal_report(const ReportInputs& inputs, const TerminalOptions& options) {
  std::string out;
  if (!inputs.model_path.empty()) out += fmt::format("{}  {} (sha256 {})\n\n", paint("model", Tint::bold, options.colour), inputs.model_path, inputs.model_sha256.substr(0, 12));
  for (const auto& p : inputs.profiles) profile_section(out, p, options);
  for (const auto& m : inputs.costmodels) costmodel_section(out, m, options);
  for (const auto& p : inputs.plans) plan_section(out, p, options);
  for (const auto& r : inputs.runs) run_section(out, r, options);
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

}  // namespace report
