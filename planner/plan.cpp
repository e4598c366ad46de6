#include "planner/plan.h"

#include <algorithm>
#include <set>

#include "ir/error.h"
#include "ir/field_checks.h"

namespace planner {

namespace {

using nlohmann::json;

json metrics_json(const PlanMetrics& m) {
  return {{"latency_us", m.latency_us},
          {"throughput_per_s", m.throughput_per_s()},
          {"pipelined", m.pipelined_throughput_per_s.has_value()},
          {"peak_bytes", m.peak_bytes},
          {"busy_us", m.busy_us},
          {"nodes", m.nodes},
          {"copies", m.copies},
          {"copied_bytes", m.copied_bytes}};
}

PlanMetrics metrics_from(const json& j) {
  PlanMetrics m;
  m.latency_us = j.at("latency_us").get<double>();
  m.peak_bytes = j.at("peak_bytes").get<std::map<std::string, int64_t>>();
  m.busy_us = j.at("busy_us").get<std::map<std::string, double>>();
  m.nodes = j.at("nodes").get<std::map<std::string, int>>();
  m.copies = j.at("copies").get<int>();
  m.copied_bytes = j.at("copied_bytes").get<int64_t>();
  if (j.at("pipelined").get<bool>()) m.pipelined_throughput_per_s = j.at("throughput_per_s").get<double>();
  return m;
}

}  // namespace

namespace {
constexpr std::string_view all_on_prefix = "all on ";
}  // namespace

std::string all_on_name(const std::string& device) { return std::string(all_on_prefix) + device; }

std::optional<std::string> all_on_device(const std::string& baseline_name) {
  if (!baseline_name.starts_with(all_on_prefix)) return std::nullopt;
  return baseline_name.substr(all_on_prefix.size());
}

PlanMetrics metrics_of(const Problem& problem, const std::vector<int>& device_of, const Schedule& schedule) {
  PlanMetrics m;
  m.latency_us = schedule.makespan_us;
  for (size_t d = 0; d < problem.devices.size(); ++d) {
    m.peak_bytes[problem.devices[d].name] = schedule.peak_bytes[d];
    m.busy_us[problem.devices[d].name] = schedule.busy_us[d];
    m.nodes[problem.devices[d].name] = 0;
  }
  for (int d : device_of) ++m.nodes[problem.devices[static_cast<size_t>(d)].name];
  m.copies = static_cast<int>(schedule.copies.size());
  m.copied_bytes = schedule.copied_bytes();
  return m;
}

json to_json(const Plan& p) {
  json doc;
  doc["schema"] = plan_schema;
  doc["model"] = {{"path", p.model_path}, {"sha256", p.model_sha256}, {"input_shapes", p.input_shapes}};
  doc["costmodel"] = p.costmodel_path;
  doc["devices"] = json::array();
  for (const PlannedDevice& d : p.devices)
    doc["devices"].push_back({{"name", d.name}, {"description", d.description}, {"estimated", d.estimated}, {"machine", d.machine}, {"present", d.present}});
  doc["objective"] = p.objective;
  doc["slo_ms"] = p.slo_ms ? json(*p.slo_ms) : json(nullptr);
  doc["pins"] = p.pins;
  doc["nodes"] = json::array();
  for (const PlannedNode& n : p.nodes)
    doc["nodes"].push_back({{"name", n.name},
                            {"op_type", n.op_type},
                            {"device", n.device},
                            {"order", n.order},
                            {"start_us", n.start_us},
                            {"end_us", n.end_us},
                            {"source", n.source},
                            {"estimated", n.estimated},
                            {"inputs", n.inputs},
                            {"outputs", n.outputs},
                            {"input_shapes", n.input_shapes},
                            {"output_shapes", n.output_shapes}});
  doc["copies"] = json::array();
  for (const PlannedCopy& c : p.copies)
    doc["copies"].push_back({{"tensor", c.tensor}, {"from", c.from}, {"to", c.to}, {"bytes", c.bytes}, {"start_us", c.start_us}, {"end_us", c.end_us}});
  doc["stages"] = json::array();
  for (const Stage& s : p.stages)
    doc["stages"].push_back({{"device", p.devices.at(static_cast<size_t>(s.device)).name},
                             {"first_node", p.nodes.at(static_cast<size_t>(s.first)).name},
                             {"last_node", p.nodes.at(static_cast<size_t>(s.last)).name},
                             {"nodes", s.last - s.first + 1},
                             {"compute_us", s.compute_us},
                             {"transfer_us", s.transfer_us},
                             {"transfer_bytes", s.transfer_bytes}});
  doc["predicted"] = metrics_json(p.predicted);
  doc["memory_timeline"] = json::object();
  for (const auto& [device, steps] : p.memory_timeline) {
    json points = json::array();
    for (const auto& [time, bytes] : steps) points.push_back({time, bytes});
    doc["memory_timeline"][device] = points;
  }
  doc["baselines"] = json::array();
  for (const Baseline& b : p.baselines) {
    json baseline = b.metrics ? json{{"name", b.name}, {"predicted", metrics_json(*b.metrics)}} : json{{"name", b.name}, {"not_possible", b.not_possible}};
    if (!b.device.empty()) baseline["device"] = b.device;
    doc["baselines"].push_back(std::move(baseline));
  }
  doc["coverage"] = p.coverage;
  if (p.decision)
    doc["decision"] = {{"taken", p.decision->taken},
                       {"reason", p.decision->reason},
                       {"predicted_gain", p.decision->predicted_gain},
                       {"uncertainty", p.decision->uncertainty}};
  if (!p.measured.empty()) {
    doc["measured"] = json::array();
    for (const MeasuredCandidate& m : p.measured)
      doc["measured"].push_back({{"name", m.name}, {"predicted_ms", m.predicted_ms}, {"p50_ms", m.p50_ms}, {"p90_ms", m.p90_ms}, {"requests", m.requests}, {"taken", m.taken}});
  }
  doc["alternatives"] = json::array();
  for (const Alternative& a : p.alternatives)
    doc["alternatives"].push_back(a.metrics ? json{{"devices", a.devices}, {"predicted", metrics_json(*a.metrics)}, {"chosen", a.chosen}}
                                            : json{{"devices", a.devices}, {"not_possible", a.not_possible}, {"chosen", false}});
  doc["planner"] = {{"algorithm", p.algorithm}, {"iterations", p.iterations}, {"moves", p.moves}, {"timed_out", p.timed_out}, {"time_limit_s", p.time_limit_s}};
  return doc;
}

namespace {

// "cpu", "cpu:threads=N" (N >= 1), "cuda", "cuda:N": how a measured device was made.
bool is_device_text(const std::string& text) {
  auto digits = [](const std::string& s) { return !s.empty() && s.size() < 7 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }); };
  if (text == "cpu" || text == "cuda") return true;
  if (text.starts_with("cpu:threads=")) {
    const std::string n = text.substr(12);
    return digits(n) && std::stoi(n) >= 1;
  }
  return text.starts_with("cuda:") && digits(text.substr(5));
}

void check_metrics(const ir::FieldChecks& c, const PlanMetrics& m, const std::string& field) {
  c.time(m.latency_us, field + ".latency_us");
  for (const auto& [device, bytes] : m.peak_bytes) c.count(bytes, field + ".peak_bytes." + device);
  for (const auto& [device, us] : m.busy_us) c.time(us, field + ".busy_us." + device);
  if (m.pipelined_throughput_per_s) c.time(*m.pipelined_throughput_per_s, field + ".throughput_per_s");
}

// What a plan must make sense as before it is replayed or exported: unique device and node
// names, every node, copy and stage on a device of the plan, stages over nodes that exist,
// finite non-negative times.
void check_plan(const Plan& p, const std::string& path) {
  const ir::FieldChecks c(path, plan_schema);
  c.non_empty(p.devices.empty(), "devices");
  c.non_empty(p.nodes.empty(), "nodes");
  std::set<std::string> devices, nodes;
  for (const PlannedDevice& d : p.devices) {
    c.non_empty(d.name.empty(), "devices[].name");
    c.unique(devices, d.name, "devices['" + d.name + "']");
    if (!d.estimated && !is_device_text(d.description.substr(0, d.description.find(' '))))
      c.fail("devices['" + d.name + "'].description", "'" + d.description + "' does not start with a device (cpu, cpu:threads=N, cuda, cuda:N)");
  }
  for (const PlannedNode& n : p.nodes) {
    const std::string at = "nodes['" + n.name + "']";
    c.non_empty(n.name.empty(), "nodes[].name");
    c.unique(nodes, n.name, at);
    c.known(devices.count(n.device) > 0, at + ".device", n.device, "devices");
    c.count(n.order, at + ".order");
    c.time(n.start_us, at + ".start_us");
    if (c.time(n.end_us, at + ".end_us") < n.start_us) c.fail(at + ".end_us", "ends before it starts");
  }
  for (size_t i = 0; i < p.copies.size(); ++i) {
    const PlannedCopy& copy = p.copies[i];
    const std::string at = "copies[" + std::to_string(i) + "]";
    c.known(copy.from == "host" || devices.count(copy.from) > 0, at + ".from", copy.from, "devices");  // host: the caller's memory
    c.known(copy.to == "host" || devices.count(copy.to) > 0, at + ".to", copy.to, "devices");
    c.count(copy.bytes, at + ".bytes");
    c.time(copy.start_us, at + ".start_us");
    if (c.time(copy.end_us, at + ".end_us") < copy.start_us) c.fail(at + ".end_us", "ends before it starts");
  }
  for (const auto& [node, device] : p.pins) {
    c.known(nodes.count(node) > 0, "pins", node, "nodes");
    c.known(devices.count(device) > 0, "pins['" + node + "']", device, "devices");
  }
  if (p.slo_ms) c.positive(*p.slo_ms, "slo_ms");
  check_metrics(c, p.predicted, "predicted");
  for (const auto& [source, share] : p.coverage) c.time(share, "coverage." + source);
  if (p.decision) {
    c.finite(p.decision->predicted_gain, "decision.predicted_gain");
    c.time(p.decision->uncertainty, "decision.uncertainty");
  }
  for (const MeasuredCandidate& m : p.measured) {
    c.time(m.predicted_ms, "measured['" + m.name + "'].predicted_ms");
    c.time(m.p50_ms, "measured['" + m.name + "'].p50_ms");
    c.time(m.p90_ms, "measured['" + m.name + "'].p90_ms");
    c.count(m.requests, "measured['" + m.name + "'].requests");
  }
}

}  // namespace

Plan plan_from_json(const json& doc, const std::string& path) {
  if (!doc.is_object() || !(doc.contains("schema") && doc.at("schema") == plan_schema)) throw ir::Error(ir::ErrorKind::file, path + ": not a " + std::string(plan_schema) + " file");
  try {
    Plan p;
    p.model_path = doc.at("model").at("path").get<std::string>();
    p.model_sha256 = doc.at("model").at("sha256").get<std::string>();
    p.input_shapes = doc.at("model").at("input_shapes").get<std::map<std::string, std::vector<int64_t>>>();
    p.costmodel_path = doc.at("costmodel").get<std::string>();
    for (const json& d : doc.at("devices"))
      p.devices.push_back({d.at("name").get<std::string>(), d.at("description").get<std::string>(), d.at("estimated").get<bool>(),
                           d.value("machine", std::string()), d.value("present", false)});
    p.objective = doc.at("objective").get<std::string>();
    if (!doc.at("slo_ms").is_null()) p.slo_ms = doc.at("slo_ms").get<double>();
    p.pins = doc.at("pins").get<std::map<std::string, std::string>>();
    using Names = std::vector<std::string>;
    using Shapes = std::vector<std::vector<int64_t>>;
    for (const json& n : doc.at("nodes"))
      p.nodes.push_back({n.at("name").get<std::string>(), n.at("op_type").get<std::string>(), n.at("device").get<std::string>(), n.at("order").get<int>(),
                         n.at("start_us").get<double>(), n.at("end_us").get<double>(), n.at("source").get<std::string>(), n.at("estimated").get<bool>(),
                         n.value("inputs", Names{}), n.value("outputs", Names{}), n.value("input_shapes", Shapes{}), n.value("output_shapes", Shapes{})});
    for (const json& c : doc.at("copies"))
      p.copies.push_back({c.at("tensor").get<std::string>(), c.at("from").get<std::string>(), c.at("to").get<std::string>(), c.at("bytes").get<int64_t>(),
                          c.at("start_us").get<double>(), c.at("end_us").get<double>()});
    for (const json& st : doc.at("stages")) {
      Stage stage;
      const std::string device = st.at("device").get<std::string>(), first = st.at("first_node").get<std::string>();
      const std::string at = "stages[" + std::to_string(p.stages.size()) + "]";
      stage.device = stage.first = -1;
      for (size_t d = 0; d < p.devices.size(); ++d)
        if (p.devices[d].name == device) stage.device = static_cast<int>(d);
      for (size_t n = 0; n < p.nodes.size(); ++n)
        if (p.nodes[n].name == first) stage.first = static_cast<int>(n);
      const ir::FieldChecks c(path, plan_schema);
      c.known(stage.device >= 0, at + ".device", device, "devices");
      c.known(stage.first >= 0, at + ".first_node", first, "nodes");
      const int count = st.at("nodes").get<int>();
      if (count < 1 || count > static_cast<int>(p.nodes.size()) - stage.first)
        c.fail(at + ".nodes", std::to_string(count) + " nodes from '" + first + "' do not fit the plan's " + std::to_string(p.nodes.size()));
      stage.last = stage.first + count - 1;
      stage.compute_us = st.at("compute_us").get<double>();
      stage.transfer_us = st.at("transfer_us").get<double>();
      stage.transfer_bytes = st.at("transfer_bytes").get<int64_t>();
      p.stages.push_back(stage);
    }
    p.predicted = metrics_from(doc.at("predicted"));
    if (doc.contains("alternatives"))  // absent before 2026-11-25
      for (const json& a : doc.at("alternatives")) {
        Alternative alternative{a.at("devices").get<std::vector<std::string>>(), std::nullopt, a.value("not_possible", std::string()), a.at("chosen").get<bool>()};
        if (a.contains("predicted")) alternative.metrics = metrics_from(a.at("predicted"));
        p.alternatives.push_back(std::move(alternative));
      }
    if (doc.contains("memory_timeline"))
      for (const auto& [device, points] : doc.at("memory_timeline").items())
        for (const json& point : points) p.memory_timeline[device].push_back({point.at(0).get<double>(), point.at(1).get<int64_t>()});
    for (const json& b : doc.at("baselines")) {
      Baseline baseline{b.at("name").get<std::string>(), std::nullopt, "", b.value("device", std::string())};
      if (b.contains("predicted")) baseline.metrics = metrics_from(b.at("predicted"));
      else baseline.not_possible = b.at("not_possible").get<std::string>();
      p.baselines.push_back(std::move(baseline));
    }
    // Absent before 2026-12-08.
    if (doc.contains("coverage")) p.coverage = doc.at("coverage").get<std::map<std::string, double>>();
    if (doc.contains("decision")) {
      const json& d = doc.at("decision");
      p.decision = Decision{d.at("taken").get<std::string>(), d.at("reason").get<std::string>(), d.at("predicted_gain").get<double>(), d.at("uncertainty").get<double>()};
    }
    if (doc.contains("measured"))
      for (const json& m : doc.at("measured"))
        p.measured.push_back({m.at("name").get<std::string>(), m.at("predicted_ms").get<double>(), m.at("p50_ms").get<double>(), m.at("p90_ms").get<double>(),
                              m.at("requests").get<int>(), m.at("taken").get<bool>()});
    const json& planner = doc.at("planner");
    p.algorithm = planner.at("algorithm").get<std::string>();
    p.iterations = planner.at("iterations").get<int>();
    p.moves = planner.at("moves").get<int>();
    p.timed_out = planner.at("timed_out").get<bool>();
    p.time_limit_s = planner.at("time_limit_s").get<double>();
    check_plan(p, path);
    return p;
  } catch (const json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": malformed " + std::string(plan_schema) + " file: " + ir::json_problem(e.what()));
  }
}

}  // namespace planner
