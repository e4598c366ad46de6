#include "report/run_summary.h"

#include <fmt/format.h>

#include <set>

#include "ir/error.h"
#include "ir/field_checks.h"

namespace report {

namespace {

using json = nlohmann::json;

LatencyFigures latency_from(const json& j) {
  return {j.at("mean").get<double>(), j.at("p50").get<double>(), j.at("p90").get<double>(), j.at("p99").get<double>(), j.at("max").get<double>()};
}

std::optional<double> number_or_null(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<double>();
}

void check_latency(const ir::FieldChecks& c, const LatencyFigures& l, const std::string& field) {
  for (const auto& [value, name] : {std::pair{l.mean, "mean"}, {l.p50, "p50"}, {l.p90, "p90"}, {l.p99, "p99"}, {l.max, "max"}}) c.time(value, field + "." + name);
}

// What a run file must make sense as before it is reported: unique device and node names, nodes
// and spans on the run's devices, finite non-negative times and sizes.
void check_run(const RunSummary& r, const std::string& path) {
  const ir::FieldChecks c(path, "partplan.run/1");
  check_latency(c, r.latency_ms, "latency_ms");
  c.time(r.throughput_per_s, "throughput_per_s");
  std::set<std::string> devices, nodes;
  for (const RunDevice& d : r.devices) {
    c.unique(devices, d.name, "devices['" + d.name + "']");
    for (const auto& [value, name] : {std::pair{d.busy_share, "busy_share"}, {d.busy_us_per_request, "busy_us_per_request"}, {d.predicted_busy_us, "predicted_busy_us"}})
      if (value) c.time(*value, "devices['" + d.name + "']." + name);
    c.count(d.peak_memory_bytes, "devices['" + d.name + "'].peak_memory_bytes");
  }
  for (const RunNode& n : r.nodes) {
    const std::string at = "nodes['" + n.name + "']";
    c.unique(nodes, n.name, at);
    c.known(devices.count(n.device) > 0, at + ".device", n.device, "devices");
    c.time(n.mean_us, at + ".mean_us");
    if (n.median_us) c.time(*n.median_us, at + ".median_us");
    if (n.predicted_us) c.time(*n.predicted_us, at + ".predicted_us");
  }
  for (const RunBaseline& b : r.baselines) {
    check_latency(c, b.latency_ms, "baselines['" + b.name + "'].latency_ms");
    c.time(b.throughput_per_s, "baselines['" + b.name + "'].throughput_per_s");
  }
  for (const TimelineSpan& s : r.timeline) {
    c.known(devices.count(s.device) > 0, "timeline.nodes['" + s.name + "'].device", s.device, "devices");
    c.time(s.start_us, "timeline.nodes['" + s.name + "'].start_us");
    if (c.time(s.end_us, "timeline.nodes['" + s.name + "'].end_us") < s.start_us) c.fail("timeline.nodes['" + s.name + "'].end_us", "ends before it starts");
  }
  for (const CopyTimelineSpan& s : r.timeline_copies) {
    c.count(s.bytes, "timeline.copies['" + s.tensor + "'].bytes");
    c.time(s.start_us, "timeline.copies['" + s.tensor + "'].start_us");
    if (c.time(s.end_us, "timeline.copies['" + s.tensor + "'].end_us") < s.start_us) c.fail("timeline.copies['" + s.tensor + "'].end_us", "ends before it starts");
  }
  for (const auto& [value, name] : {std::pair{r.predicted_latency_ms, "predicted.latency_ms"}, {r.predicted_throughput_per_s, "predicted.throughput_per_s"},
                                    {r.node_median_error, "predicted.node_median_error"}})
    if (value) c.time(*value, name);
}

}  // namespace

RunSummary run_from_json(const json& doc, const std::string& path) {
  if (!doc.is_object() || !(doc.contains("schema") && doc.at("schema") == "partplan.run/1")) throw ir::Error(ir::ErrorKind::file, path + ": not a partplan.run/1 file");
  try {
    RunSummary r;
    r.replay = doc.value("mode", "") == "plan";
    r.model_path = doc.at("model").at("path").get<std::string>();
    r.model_sha256 = doc.at("model").at("sha256").get<std::string>();
    r.latency_ms = latency_from(doc.at("latency_ms"));
    r.throughput_per_s = doc.at("throughput_per_s").get<double>();
    if (r.replay) {
      r.plan_path = doc.at("plan").at("path").get<std::string>();
      const json& load = doc.at("load");
      r.load = load.at("loop").get<std::string>() == "open"
                   ? fmt::format("open loop, {:g} req/s for {:g} s, {} requests", load.at("rate_per_s").get<double>(), load.at("duration_s").get<double>(),
                                 load.at("requests").get<int>())
                   : fmt::format("closed loop, {} requests, {} in flight", load.at("requests").get<int>(), load.at("concurrency").get<int>());
      const json& predicted = doc.at("predicted");
      r.predicted_latency_ms = predicted.at("latency_ms").get<double>();
      r.predicted_throughput_per_s = predicted.at("throughput_per_s").get<double>();
      r.node_median_error = predicted.at("node_median_error").get<double>();
      for (const json& d : doc.at("devices"))
        r.devices.push_back({d.at("name").get<std::string>(), d.at("description").get<std::string>(), d.at("busy_share").get<double>(),
                             d.at("busy_us_per_request").get<double>(), d.at("predicted_busy_us").get<double>(), d.at("peak_memory_bytes").get<int64_t>()});
      for (const json& b : doc.at("baselines"))
        r.baselines.push_back({b.at("name").get<std::string>(), latency_from(b.at("latency_ms")), b.at("throughput_per_s").get<double>(),
                               b.at("plan_latency_ratio").get<double>(), b.at("plan_throughput_ratio").get<double>(), b.value("is_the_plan", false)});
      for (const json& n : doc.at("nodes"))
        r.nodes.push_back({n.at("name").get<std::string>(), n.at("op_type").get<std::string>(), n.at("device").get<std::string>(), n.at("mean_us").get<double>(),
                           number_or_null(n, "median_us"), number_or_null(n, "predicted_us")});
      if (doc.contains("timeline")) {
        const json& timeline = doc.at("timeline");
        for (const json& s : timeline.at("nodes"))
          r.timeline.push_back({s.at("name").get<std::string>(), s.at("device").get<std::string>(), s.at("start_us").get<double>(), s.at("end_us").get<double>()});
        if (timeline.contains("copies"))  // run files before 2026-11-25 lack them
          for (const json& c : timeline.at("copies"))
            r.timeline_copies.push_back({c.at("tensor").get<std::string>(), c.at("from").get<std::string>(), c.at("to").get<std::string>(), c.at("bytes").get<int64_t>(),
                                         c.at("start_us").get<double>(), c.at("end_us").get<double>()});
      }
      r.outputs_ok = doc.at("outputs_check").at("ok").get<bool>();
    } else {
      r.load = fmt::format("{} iterations after {} warm-up", doc.at("iterations").get<int>(), doc.at("warmup").get<int>());
      const json& device = doc.at("device");
      r.devices.push_back({device.at("name").get<std::string>(), device.at("description").get<std::string>(), std::nullopt, std::nullopt, std::nullopt,
                           doc.at("peak_memory_bytes").get<int64_t>()});
      for (const json& n : doc.at("nodes"))
        r.nodes.push_back({n.at("name").get<std::string>(), n.at("op_type").get<std::string>(), r.devices.front().name, n.at("mean_us").get<double>(),
                           std::nullopt, std::nullopt});
    }
    check_run(r, path);
    return r;
  } catch (const json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": malformed partplan.run/1 file: " + ir::json_problem(e.what()));
  }
}

}  // namespace report
