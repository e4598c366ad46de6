#include "profiler/profile.h"

#include <set>

#include "ir/error.h"
#include "ir/field_checks.h"

namespace profiler {

namespace {

nlohmann::json stats_json(const Stats& s) {
  return {{"median_us", s.median_us}, {"p10_us", s.p10_us}, {"p90_us", s.p90_us}, {"min_us", s.min_us}, {"mean_us", s.mean_us},
          {"reps", s.reps}, {"spread", s.spread}, {"total_us", s.total_us}, {"converged", s.converged}, {"runs_per_rep", s.runs_per_rep}};
}

Stats stats_from(const nlohmann::json& j) {
  Stats s;
  s.median_us = j.at("median_us").get<double>();
  s.p10_us = j.at("p10_us").get<double>();
  s.p90_us = j.at("p90_us").get<double>();
  s.min_us = j.at("min_us").get<double>();
  s.mean_us = j.at("mean_us").get<double>();
  s.reps = j.at("reps").get<int>();
  s.spread = j.at("spread").get<double>();
  s.total_us = j.at("total_us").get<double>();
  s.converged = j.at("converged").get<bool>();
  s.runs_per_rep = j.value("runs_per_rep", 1);  // absent in profiles made before it existed
  return s;
}

nlohmann::json gpu_json(const GpuDetail& g) {
  nlohmann::json kernels = nlohmann::json::array();
  for (const KernelTime& k : g.kernels) kernels.push_back({{"name", k.name}, {"calls", k.calls}, {"us", k.us}});
  return {{"launch", stats_json(g.launch)}, {"span", stats_json(g.span)}, {"kernels", kernels}};
}

GpuDetail gpu_from(const nlohmann::json& j) {
  GpuDetail g;
  g.launch = stats_from(j.at("launch"));
  g.span = stats_from(j.at("span"));
  for (const auto& k : j.at("kernels")) g.kernels.push_back({k.at("name").get<std::string>(), k.at("calls").get<double>(), k.at("us").get<double>()});
  return g;
}

// Statistics with, when CUPTI traced them, the host's and the events' view beside them.
nlohmann::json timing_json(const Stats& s, const std::optional<GpuDetail>& gpu) {
  nlohmann::json j = stats_json(s);
  if (gpu) j["gpu"] = gpu_json(*gpu);
  return j;
}

std::optional<GpuDetail> gpu_of(const nlohmann::json& timing) {
  if (!timing.contains("gpu")) return std::nullopt;
  return gpu_from(timing.at("gpu"));
}

nlohmann::json device_json(const DeviceInfo& d) {
  nlohmann::json j = {{"name", d.name}, {"spec", d.spec}, {"description", d.description}, {"timer", d.timer}};
  if (!d.timer_note.empty()) j["timer_note"] = d.timer_note;
  if (d.cupti) {
    nlohmann::json overhead = nlohmann::json::array();
    for (const TracingOverhead& o : d.cupti->overhead) overhead.push_back({{"node", o.node}, {"without_us", o.without_us}, {"with_us", o.with_us}});
    j["cupti"] = {{"dropped_records", d.cupti->dropped_records}, {"overhead", overhead}, {"overhead_ratio", d.cupti->overhead_ratio}};
  }
  return j;
}

DeviceInfo device_from(const nlohmann::json& j) {
  DeviceInfo d{j.at("name").get<std::string>(), j.at("spec").get<std::string>(), j.at("description").get<std::string>(),
               j.at("timer").get<std::string>(), j.value("timer_note", ""), std::nullopt};
  if (j.contains("cupti")) {
    const auto& c = j.at("cupti");
    CuptiInfo info;
    info.dropped_records = c.at("dropped_records").get<int64_t>();
    for (const auto& o : c.at("overhead"))
      info.overhead.push_back({o.at("node").get<std::string>(), o.at("without_us").get<double>(), o.at("with_us").get<double>()});
    info.overhead_ratio = c.at("overhead_ratio").get<double>();
    d.cupti = info;
  }
  return d;
}

}  // namespace

nlohmann::json link_json(const LinkProfile& l) {
  nlohmann::json points = nlohmann::json::array();
  for (const LinkPoint& pt : l.points) points.push_back({{"bytes", pt.bytes}, {"time_us", pt.time_us}});
  return {{"from", l.from},
          {"to", l.to},
          {"kind", l.kind},
          {"host_memory", l.host_memory.empty() ? nlohmann::json(nullptr) : nlohmann::json(l.host_memory)},
          {"latency_us", l.latency_us},
          {"bandwidth_gb_s", l.bandwidth_gb_s ? nlohmann::json(*l.bandwidth_gb_s) : nlohmann::json(nullptr)},
          {"points", points}};
}

LinkProfile link_from_json(const nlohmann::json& l) {
  LinkProfile link;
  link.from = l.at("from").get<std::string>();
  link.to = l.at("to").get<std::string>();
  link.kind = l.at("kind").get<std::string>();
  if (!l.at("host_memory").is_null()) link.host_memory = l.at("host_memory").get<std::string>();
  link.latency_us = l.at("latency_us").get<double>();
  if (!l.at("bandwidth_gb_s").is_null()) link.bandwidth_gb_s = l.at("bandwidth_gb_s").get<double>();
  for (const auto& pt : l.at("points")) link.points.push_back({pt.at("bytes").get<int64_t>(), pt.at("time_us").get<double>()});
  return link;
}

nlohmann::json to_json(const Profile& p) {
  nlohmann::json doc;
  doc["schema"] = profile_schema;
  doc["complete"] = p.complete;
  doc["model"] = {{"path", p.model_path}, {"sha256", p.model_sha256}};
  doc["machine"] = p.machine;
  doc["settings"] = p.settings;
  doc["devices"] = nlohmann::json::array();
  for (const DeviceInfo& d : p.devices) doc["devices"].push_back(device_json(d));
  doc["batches"] = nlohmann::json::array();
  for (const BatchProfile& b : p.batches) {
    nlohmann::json batch;
    batch["batch"] = b.batch ? nlohmann::json(*b.batch) : nlohmann::json(nullptr);
    batch["input_shapes"] = b.input_shapes;
    batch["nodes"] = nlohmann::json::array();
    for (const NodeRecord& n : b.nodes) {
      nlohmann::json node = {{"name", n.name},         {"op_type", n.op_type},           {"input_shapes", n.input_shapes},
                             {"flops", n.flops},       {"bytes_read", n.bytes_read},     {"bytes_written", n.bytes_written},
                             {"param_bytes", n.param_bytes}};
      node["devices"] = nlohmann::json::object();
      for (const auto& [device, result] : n.devices)
        node["devices"][device] = result.stats ? timing_json(*result.stats, result.gpu) : nlohmann::json{{"unsupported", result.unsupported}};
      batch["nodes"].push_back(std::move(node));
    }
    batch["whole_model"] = nlohmann::json::object();
    for (const auto& [device, w] : b.whole_model)
      batch["whole_model"][device] = {{"unfused", timing_json(w.unfused, w.unfused_gpu)},
                                      {"fused", w.fused ? timing_json(*w.fused, w.fused_gpu) : nlohmann::json(nullptr)},
                                      {"fused_node_us", w.fused_node_us},
                                      {"replayed", w.replayed ? timing_json(*w.replayed, std::nullopt) : nlohmann::json(nullptr)},
                                      {"sum_of_node_medians_us", w.sum_of_node_medians_us},
                                      {"gap", w.sum_of_node_medians_us > 0 ? w.unfused.median_us / w.sum_of_node_medians_us - 1 : 0.0}};
    batch["co_run"] = b.co_run;
    batch["alternating"] = nlohmann::json::array();
    for (const BatchProfile::Alternating& a : b.alternating)
      batch["alternating"].push_back({{"first", a.first}, {"second", a.second}, {"split_us", a.split_us}, {"one_us", a.one_us}});
    doc["batches"].push_back(std::move(batch));
  }
  doc["links"] = nlohmann::json::array();
  for (const LinkProfile& l : p.links) doc["links"].push_back(link_json(l));
  doc["overhead"] = {{"wall_s", p.wall_s}, {"timed_s", p.timed_s}, {"ratio", p.timed_s > 0 ? p.wall_s / p.timed_s : 0.0}};
  return doc;
}

namespace {

void check_stats(const ir::FieldChecks& c, const Stats& s, const std::string& field) {
  for (const auto& [value, name] : {std::pair{s.median_us, "median_us"}, {s.p10_us, "p10_us"}, {s.p90_us, "p90_us"}, {s.min_us, "min_us"},
                                    {s.mean_us, "mean_us"}, {s.total_us, "total_us"}, {s.spread, "spread"}})
    c.time(value, field + "." + name);
  c.at_least_one(s.reps, field + ".reps");
}

// What a profile must make sense as, whatever wrote it: unique names, known devices, finite
// non-negative times and sizes, batches of at least 1. An interrupted profile may hold fewer
// batches or devices: that is fit's to judge, not the reader's.
void check_profile(const Profile& p, const std::string& path) {
  const ir::FieldChecks c(path, profile_schema);
  std::set<std::string> devices;
  for (size_t d = 0; d < p.devices.size(); ++d) {
    c.non_empty(p.devices[d].name.empty(), "devices[" + std::to_string(d) + "].name");
    c.unique(devices, p.devices[d].name, "devices[" + std::to_string(d) + "].name");
  }
  auto known_device = [&](const std::string& name, const std::string& field) { c.known(devices.count(name) > 0, field, name, "devices"); };
  std::set<int64_t> batches;
  for (size_t b = 0; b < p.batches.size(); ++b) {
    const BatchProfile& batch = p.batches[b];
    const std::string at = "batches[" + std::to_string(b) + "]";
    if (batch.batch) c.at_least_one(*batch.batch, at + ".batch");
    if (!batches.insert(batch.batch.value_or(0)).second) c.fail(at + ".batch", "the same batch size appears twice");
    std::set<std::string> names;
    for (const NodeRecord& n : batch.nodes) {
      const std::string node = at + ".nodes['" + n.name + "']";
      c.non_empty(n.name.empty(), at + ".nodes[].name");
      c.unique(names, n.name, node);
      c.time(n.flops, node + ".flops");
      c.count(n.bytes_read, node + ".bytes_read");
      c.count(n.bytes_written, node + ".bytes_written");
      c.count(n.param_bytes, node + ".param_bytes");
      for (const auto& [device, result] : n.devices) {
        known_device(device, node + ".devices");
        if (result.stats) check_stats(c, *result.stats, node + ".devices." + device);
      }
    }
    for (const BatchProfile::Alternating& a : batch.alternating) {
      known_device(a.first, at + ".alternating[].first");
      known_device(a.second, at + ".alternating[].second");
      c.time(a.split_us, at + ".alternating[].split_us");
      c.time(a.one_us, at + ".alternating[].one_us");
    }
    for (const auto& [device, factor] : batch.co_run) {
      known_device(device, at + ".co_run");
      c.positive(factor, at + ".co_run." + device);
    }
    for (const auto& [device, whole] : batch.whole_model) {
      const std::string field = at + ".whole_model." + device;
      known_device(device, at + ".whole_model");
      check_stats(c, whole.unfused, field + ".unfused");
      if (whole.fused) check_stats(c, *whole.fused, field + ".fused");
      if (whole.replayed) check_stats(c, *whole.replayed, field + ".replayed");
      c.time(whole.sum_of_node_medians_us, field + ".sum_of_node_medians_us");
      for (const auto& [node, us] : whole.fused_node_us) {
        c.known(names.count(node) > 0, field + ".fused_node_us", node, "nodes of this batch");
        c.time(us, field + ".fused_node_us['" + node + "']");
      }
    }
  }
  check_links(c, p.links, devices);
  c.time(p.wall_s, "overhead.wall_s");
  c.time(p.timed_s, "overhead.timed_s");
}

}  // namespace

void check_links(const ir::FieldChecks& c, const std::vector<LinkProfile>& links, const std::set<std::string>& devices) {
  for (size_t l = 0; l < links.size(); ++l) {
    const LinkProfile& link = links[l];
    const std::string at = "links[" + std::to_string(l) + "]";
    if (link.from != "host") c.known(devices.count(link.from) > 0, at + ".from", link.from, "devices");
    if (link.to != "host") c.known(devices.count(link.to) > 0, at + ".to", link.to, "devices");
    c.time(link.latency_us, at + ".latency_us");
    if (link.bandwidth_gb_s) c.positive(*link.bandwidth_gb_s, at + ".bandwidth_gb_s");
    for (const LinkPoint& point : link.points) {
      c.count(point.bytes, at + ".points[].bytes");
      c.time(point.time_us, at + ".points[].time_us");
    }
  }
}

Profile profile_from_json(const nlohmann::json& doc, const std::string& path) {
  if (!doc.is_object() || !(doc.contains("schema") && doc.at("schema") == profile_schema))
    throw ir::Error(ir::ErrorKind::file, path + ": not a " + std::string(profile_schema) + " file");
  try {
    Profile p;
    p.complete = doc.at("complete").get<bool>();
    p.model_path = doc.at("model").at("path").get<std::string>();
    p.model_sha256 = doc.at("model").at("sha256").get<std::string>();
    p.machine = doc.at("machine");
    p.settings = doc.at("settings");
    for (const auto& d : doc.at("devices")) p.devices.push_back(device_from(d));
    for (const auto& b : doc.at("batches")) {
      BatchProfile batch;
      if (!b.at("batch").is_null()) batch.batch = b.at("batch").get<int64_t>();
      batch.input_shapes = b.at("input_shapes").get<std::map<std::string, std::vector<int64_t>>>();
      for (const auto& n : b.at("nodes")) {
        NodeRecord node;
        node.name = n.at("name").get<std::string>();
        node.op_type = n.at("op_type").get<std::string>();
        node.input_shapes = n.at("input_shapes").get<std::vector<std::vector<int64_t>>>();
        node.flops = n.at("flops").get<double>();
        node.bytes_read = n.at("bytes_read").get<int64_t>();
        node.bytes_written = n.at("bytes_written").get<int64_t>();
        node.param_bytes = n.at("param_bytes").get<int64_t>();
        for (const auto& [device, result] : n.at("devices").items()) {
          NodeResult r;
          if (result.contains("unsupported")) r.unsupported = result.at("unsupported").get<std::string>();
          else {
            r.stats = stats_from(result);
            r.gpu = gpu_of(result);
          }
          node.devices[device] = r;
        }
        batch.nodes.push_back(std::move(node));
      }
      for (const auto& [device, w] : b.at("whole_model").items()) {
        WholeModel whole;
        whole.unfused = stats_from(w.at("unfused"));
        whole.unfused_gpu = gpu_of(w.at("unfused"));
        if (!w.at("fused").is_null()) {
          whole.fused = stats_from(w.at("fused"));
          whole.fused_gpu = gpu_of(w.at("fused"));
        }
        whole.sum_of_node_medians_us = w.at("sum_of_node_medians_us").get<double>();
        if (w.contains("fused_node_us")) whole.fused_node_us = w.at("fused_node_us").get<std::map<std::string, double>>();
        if (w.contains("replayed") && !w.at("replayed").is_null()) whole.replayed = stats_from(w.at("replayed"));  // absent before 2026-12-08
        batch.whole_model[device] = whole;
      }
      if (b.contains("co_run")) batch.co_run = b.at("co_run").get<std::map<std::string, double>>();  // absent before 2026-12-08
      if (b.contains("alternating"))
        for (const auto& a : b.at("alternating"))
          batch.alternating.push_back({a.at("first").get<std::string>(), a.at("second").get<std::string>(), a.at("split_us").get<double>(), a.at("one_us").get<double>()});
      p.batches.push_back(std::move(batch));
    }
    for (const auto& l : doc.at("links")) p.links.push_back(link_from_json(l));
    p.wall_s = doc.at("overhead").at("wall_s").get<double>();
    p.timed_s = doc.at("overhead").at("timed_s").get<double>();
    check_profile(p, path);
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": malformed " + std::string(profile_schema) + " file: " + ir::json_problem(e.what()));
  }
}

}  // namespace profiler
