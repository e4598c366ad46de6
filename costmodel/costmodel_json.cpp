#include "costmodel/costmodel_json.h"

#include <set>

#include "ir/error.h"
#include "ir/field_checks.h"

namespace costmodel {

namespace {

using nlohmann::json;

json batch_json(const std::optional<int64_t>& b) { return b ? json(*b) : json(nullptr); }
std::optional<int64_t> batch_from(const json& j) { return j.is_null() ? std::nullopt : std::optional<int64_t>(j.get<int64_t>()); }

json accuracy_json(const Accuracy& a) {
  json worst = json::array();
  for (const Miss& m : a.worst)
    worst.push_back({{"node", m.node}, {"batch", batch_json(m.batch)}, {"measured_us", m.measured_us}, {"predicted_us", m.predicted_us}});
  return {{"points", a.points}, {"mape", a.mape}, {"within_10", a.within_10}, {"within_25", a.within_25}, {"worst", worst}};
}

Accuracy accuracy_from(const json& j) {
  Accuracy a;
  a.points = j.at("points").get<int>();
  a.mape = j.at("mape").get<double>();
  a.within_10 = j.at("within_10").get<double>();
  a.within_25 = j.at("within_25").get<double>();
  for (const json& m : j.at("worst"))
    a.worst.push_back({m.at("node").get<std::string>(), batch_from(m.at("batch")), m.at("measured_us").get<double>(), m.at("predicted_us").get<double>()});
  return a;
}

json formula_json(const Formula& f) {
  json j = {{"form", form_name(f.form)}, {"terms", f.terms}, {"coefficients", f.coefficients}, {"samples", f.samples}, {"cv", accuracy_json(f.cv)}};
  j["anchors"] = json::array();
  for (const Anchor& a : f.anchors) j["anchors"].push_back({a.work, a.us});
  if (!f.note.empty()) j["note"] = f.note;
  return j;
}

Formula formula_from(const json& j) {
  Formula f;
  f.form = form_from_name(j.at("form").get<std::string>());
  f.terms = j.at("terms").get<std::vector<std::string>>();
  f.coefficients = j.at("coefficients").get<std::vector<double>>();
  f.samples = j.at("samples").get<int>();
  f.cv = accuracy_from(j.at("cv"));
  // Optional: cost models written before anchors are bounded by the roofline alone.
  if (j.contains("anchors"))
    for (const json& a : j.at("anchors")) f.anchors.push_back({a.at(0).get<double>(), a.at(1).get<double>()});
  f.note = j.value("note", "");
  return f;
}

json check_json(const Check& c) {
  json predictions = json::array();
  for (const PointPrediction& p : c.predictions)
    predictions.push_back({{"node", p.node}, {"op_type", p.op_type}, {"measured_us", p.measured_us}, {"predicted_us", p.predicted_us}, {"source", p.source}});
  return {{"device", c.device},
          {"predictions", predictions},
          {"model", c.model_path},
          {"batch", batch_json(c.batch)},
          {"nodes", accuracy_json(c.nodes)},
          {"nodes_op_only", accuracy_json(c.nodes_op_only)},
          {"sources", c.sources},
          {"whole_measured_us", c.whole_measured_us},
          {"whole_predicted_us", c.whole_predicted_us}};
}

Check check_from(const json& j) {
  Check c;
  c.device = j.at("device").get<std::string>();
  c.model_path = j.at("model").get<std::string>();
  c.batch = batch_from(j.at("batch"));
  c.nodes = accuracy_from(j.at("nodes"));
  c.nodes_op_only = accuracy_from(j.at("nodes_op_only"));
  c.sources = j.at("sources").get<std::map<std::string, int>>();
  c.whole_measured_us = j.at("whole_measured_us").get<double>();
  c.whole_predicted_us = j.at("whole_predicted_us").get<double>();
  for (const json& p : j.at("predictions"))
    c.predictions.push_back({c.device, p.at("node").get<std::string>(), p.at("op_type").get<std::string>(), c.batch, p.at("measured_us").get<double>(),
                             p.at("predicted_us").get<double>(), p.at("source").get<std::string>()});
  return c;
}

}  // namespace

json to_json(const CostModel& model) {
  json doc;
  doc["schema"] = costmodel_schema;
  doc["trained_on"] = json::array();
  for (const TrainingSet& t : model.trained_on) {
    json batches = json::array();
    for (const auto& b : t.batches) batches.push_back(batch_json(b));
    doc["trained_on"].push_back({{"path", t.path}, {"sha256", t.sha256}, {"batches", batches}});
  }
  doc["devices"] = json::array();
  for (const DeviceModel& d : model.devices) {
    json device = {{"name", d.name},
                   {"spec", d.spec},
                   {"description", d.description},
                   {"timer", d.timer},
                   {"estimated", d.estimated},
                   {"machine", d.machine},
                   {"spec_sources", d.spec_sources},
                   {"roofline", {{"flops_per_s", d.roofline.flops_per_s}, {"bytes_per_s", d.roofline.bytes_per_s}, {"launch_us", d.roofline.launch_us}}},
                   {"whole_model_scale", d.whole_model_scale},
                   {"replay_scale", d.replay_scale},
                   {"dispatch_us", d.dispatch_us},
                   {"co_run_factor", d.co_run_factor},
                   {"in_run_scale", d.in_run_scale},
                   {"declined_ops", d.declined_ops},
                   {"declined_nodes", d.declined_nodes}};
    device["ops"] = json::object();
    for (const auto& [op, f] : d.ops) device["ops"][op] = formula_json(f);
    device["families"] = json::object();
    for (const auto& [family, f] : d.families) device["families"][family] = formula_json(f);
    device["nodes"] = json::array();
    for (const NodeHistory& h : d.nodes) {
      json points = json::array();
      for (const auto& [work, us] : h.points) points.push_back({{"work", work}, {"us", us}});
      device["nodes"].push_back({{"model_sha256", h.model_sha256},
                                 {"name", h.name},
                                 {"op_type", h.op_type},
                                 {"points", points},
                                 {"intercept_us", h.intercept_us},
                                 {"slope_us", h.slope_us},
                                 {"in_run_scale", h.in_run_scale}});
    }
    doc["devices"].push_back(std::move(device));
  }
  doc["split_uncertainty"] = model.split_uncertainty;
  doc["split_checks"] = json::array();
  for (const SplitCheck& s : model.split_checks)
    doc["split_checks"].push_back({{"model_sha256", s.model_sha256}, {"first", s.first}, {"second", s.second}, {"input_shapes", s.input_shapes}, {"measured_us", s.measured_us}});
  doc["links"] = json::array();
  for (const profiler::LinkProfile& l : model.links) doc["links"].push_back(profiler::link_json(l));
  json holdout = json::array(), test = json::array();
  for (const Check& c : model.validation.holdout) holdout.push_back(check_json(c));
  for (const Check& c : model.validation.test) test.push_back(check_json(c));
  doc["validation"] = {{"holdout_batches", model.validation.holdout_batches}, {"holdout", holdout}, {"test", test}};
  return doc;
}

namespace {

void check_formula(const ir::FieldChecks& c, const Formula& f, const std::string& field) {
  if (f.coefficients.size() != f.terms.size())
    c.fail(field + ".coefficients", std::to_string(f.coefficients.size()) + " coefficients for " + std::to_string(f.terms.size()) + " terms");
  for (size_t i = 0; i < f.coefficients.size(); ++i) c.finite(f.coefficients[i], field + ".coefficients[" + std::to_string(i) + "]");
  c.count(f.samples, field + ".samples");
  for (size_t i = 0; i < f.anchors.size(); ++i) {
    const std::string at = field + ".anchors[" + std::to_string(i) + "]";
    c.time(f.anchors[i].work, at + "[0]");  // finite, >= 0 like a time
    c.time(f.anchors[i].us, at + "[1]");
  }
}

std::set<std::string> names_of(const CostModel& model) {
  std::set<std::string> names;
  for (const DeviceModel& d : model.devices) names.insert(d.name);
  return names;
}

// What a cost model must make sense as before a planner asks it anything: a device at least,
// unique names, positive rates and scales, finite coefficients, non-negative measured times.

void check_costmodel(const CostModel& model, const std::string& path) {
  const ir::FieldChecks c(path, costmodel_schema);
  c.non_empty(model.devices.empty(), "devices");
  c.time(model.split_uncertainty, "split_uncertainty");
  for (const SplitCheck& s : model.split_checks) {
    c.known(names_of(model).count(s.first) > 0, "split_checks[].first", s.first, "devices");
    c.known(names_of(model).count(s.second) > 0, "split_checks[].second", s.second, "devices");
    c.time(s.measured_us, "split_checks[].measured_us");
  }
  std::set<std::string> names;
  for (const DeviceModel& d : model.devices) {
    const std::string at = "devices['" + d.name + "']";
    c.non_empty(d.name.empty(), "devices[].name");
    c.unique(names, d.name, at);
    c.time(d.roofline.flops_per_s, at + ".roofline.flops_per_s");  // 0: no estimate of that rate
    c.time(d.roofline.bytes_per_s, at + ".roofline.bytes_per_s");
    c.time(d.roofline.launch_us, at + ".roofline.launch_us");
    c.positive(d.whole_model_scale, at + ".whole_model_scale");
    c.positive(d.replay_scale, at + ".replay_scale");
    c.time(d.dispatch_us, at + ".dispatch_us");
    c.positive(d.co_run_factor, at + ".co_run_factor");
    for (const auto& [op, scale] : d.in_run_scale) c.time(scale, at + ".in_run_scale." + op);
    for (const auto& [op, f] : d.ops) check_formula(c, f, at + ".ops." + op);
    for (const auto& [family, f] : d.families) check_formula(c, f, at + ".families." + family);
    std::set<std::string> nodes;
    for (const NodeHistory& h : d.nodes) {
      const std::string node = at + ".nodes['" + h.name + "']";
      c.unique(nodes, h.model_sha256 + "/" + h.name, node);
      for (const auto& [work, us] : h.points) {
        c.time(work, node + ".points[].work");
        c.time(us, node + ".points[].us");
      }
      c.finite(h.intercept_us, node + ".intercept_us");
      c.finite(h.slope_us, node + ".slope_us");
      if (h.in_run_scale != -1) c.time(h.in_run_scale, node + ".in_run_scale");
    }
  }
  profiler::check_links(c, model.links, names);
}

}  // namespace

CostModel costmodel_from_json(const json& doc, const std::string& path) {
  if (!doc.is_object() || !(doc.contains("schema") && doc.at("schema") == costmodel_schema))
    throw ir::Error(ir::ErrorKind::file, path + ": not a " + std::string(costmodel_schema) + " file");
  try {
    CostModel model;
    for (const json& t : doc.at("trained_on")) {
      TrainingSet set{t.at("path").get<std::string>(), t.at("sha256").get<std::string>(), {}};
      for (const json& b : t.at("batches")) set.batches.push_back(batch_from(b));
      model.trained_on.push_back(std::move(set));
    }
    for (const json& j : doc.at("devices")) {
      DeviceModel d;
      d.name = j.at("name").get<std::string>();
      d.spec = j.at("spec").get<std::string>();
      d.description = j.at("description").get<std::string>();
      d.timer = j.at("timer").get<std::string>();
      d.estimated = j.at("estimated").get<bool>();
      d.machine = j.value("machine", std::string());  // absent in files written before it
      d.spec_sources = j.at("spec_sources").get<std::string>();
      const json& r = j.at("roofline");
      d.roofline = {r.at("flops_per_s").get<double>(), r.at("bytes_per_s").get<double>(), r.at("launch_us").get<double>()};
      d.whole_model_scale = j.at("whole_model_scale").get<double>();
      d.replay_scale = j.value("replay_scale", 1.0);  // absent before 2026-12-08
      d.dispatch_us = j.value("dispatch_us", 0.0);
      d.co_run_factor = j.value("co_run_factor", 1.0);
      if (j.contains("in_run_scale")) d.in_run_scale = j.at("in_run_scale").get<std::map<std::string, double>>();  // absent before 2026-11-25
      d.declined_ops = j.at("declined_ops").get<std::map<std::string, std::string>>();
      d.declined_nodes = j.at("declined_nodes").get<std::vector<std::string>>();
      for (const auto& [op, f] : j.at("ops").items()) d.ops[op] = formula_from(f);
      for (const auto& [family, f] : j.at("families").items()) d.families[family] = formula_from(f);
      for (const json& n : j.at("nodes")) {
        NodeHistory h{n.at("model_sha256").get<std::string>(), n.at("name").get<std::string>(), n.at("op_type").get<std::string>(), {},
                      n.at("intercept_us").get<double>(), n.at("slope_us").get<double>()};
        for (const json& p : n.at("points")) h.points.push_back({p.at("work").get<double>(), p.at("us").get<double>()});
        h.in_run_scale = n.value("in_run_scale", -1.0);
        d.nodes.push_back(std::move(h));
      }
      model.devices.push_back(std::move(d));
    }
    for (const json& l : doc.at("links")) model.links.push_back(profiler::link_from_json(l));
    model.split_uncertainty = doc.value("split_uncertainty", 0.0);  // absent before 2026-12-08
    if (doc.contains("split_checks"))
      for (const json& s : doc.at("split_checks"))
        model.split_checks.push_back({s.at("model_sha256").get<std::string>(), s.at("first").get<std::string>(), s.at("second").get<std::string>(),
                                      s.at("input_shapes").get<std::map<std::string, std::vector<int64_t>>>(), s.at("measured_us").get<double>()});
    const json& v = doc.at("validation");
    model.validation.holdout_batches = v.at("holdout_batches").get<std::vector<int64_t>>();
    for (const json& c : v.at("holdout")) model.validation.holdout.push_back(check_from(c));
    for (const json& c : v.at("test")) model.validation.test.push_back(check_from(c));
    check_costmodel(model, path);
    return model;
  } catch (const json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": malformed " + std::string(costmodel_schema) + " file: " + ir::json_problem(e.what()));
  } catch (const std::invalid_argument& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": " + e.what());
  }
}

}  // namespace costmodel
