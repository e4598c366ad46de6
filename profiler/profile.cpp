#include "profiler/profile.h"

#include "ir/error.h"

namespace profiler {

namespace {

nlohmann::json stats_json(const Stats& s) {
  return {{"median_us", s.median_us}, {"p10_us", s.p10_us}, {"p90_us", s.p90_us}, {"min_us", s.min_us}, {"mean_us", s.mean_us},
          {"reps", s.reps}, {"spread", s.spread}, {"total_us", s.total_us}, {"converged", s.converged}};
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
  return s;
}

}  // namespace

nlohmann::json to_json(const Profile& p) {
  nlohmann::json doc;
  doc["schema"] = profile_schema;
  doc["complete"] = p.complete;
  doc["model"] = {{"path", p.model_path}, {"sha256", p.model_sha256}};
  doc["machine"] = p.machine;
  doc["settings"] = p.settings;
  doc["devices"] = nlohmann::json::array();
  for (const DeviceInfo& d : p.devices)
    doc["devices"].push_back({{"name", d.name}, {"spec", d.spec}, {"description", d.description}, {"timer", d.timer}});
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
        node["devices"][device] = result.stats ? stats_json(*result.stats) : nlohmann::json{{"unsupported", result.unsupported}};
      batch["nodes"].push_back(std::move(node));
    }
    batch["whole_model"] = nlohmann::json::object();
    for (const auto& [device, w] : b.whole_model)
      batch["whole_model"][device] = {{"unfused", stats_json(w.unfused)},
                                      {"fused", w.fused ? stats_json(*w.fused) : nlohmann::json(nullptr)},
                                      {"sum_of_node_medians_us", w.sum_of_node_medians_us},
                                      {"gap", w.sum_of_node_medians_us > 0 ? w.unfused.median_us / w.sum_of_node_medians_us - 1 : 0.0}};
    doc["batches"].push_back(std::move(batch));
  }
  doc["links"] = nlohmann::json::array();
  for (const LinkProfile& l : p.links) {
    nlohmann::json points = nlohmann::json::array();
    for (const LinkPoint& pt : l.points) points.push_back({{"bytes", pt.bytes}, {"time_us", pt.time_us}});
    doc["links"].push_back({{"from", l.from},
                            {"to", l.to},
                            {"kind", l.kind},
                            {"latency_us", l.latency_us},
                            {"bandwidth_gb_s", l.bandwidth_gb_s ? nlohmann::json(*l.bandwidth_gb_s) : nlohmann::json(nullptr)},
                            {"points", points}});
  }
  doc["overhead"] = {{"wall_s", p.wall_s}, {"timed_s", p.timed_s}, {"ratio", p.timed_s > 0 ? p.wall_s / p.timed_s : 0.0}};
  return doc;
}

Profile profile_from_json(const nlohmann::json& doc, const std::string& path) {
  if (!doc.is_object() || doc.value("schema", "") != profile_schema)
    throw ir::Error(ir::ErrorKind::file, path + ": not a " + std::string(profile_schema) + " file");
  try {
    Profile p;
    p.complete = doc.at("complete").get<bool>();
    p.model_path = doc.at("model").at("path").get<std::string>();
    p.model_sha256 = doc.at("model").at("sha256").get<std::string>();
    p.machine = doc.at("machine");
    p.settings = doc.at("settings");
    for (const auto& d : doc.at("devices"))
      p.devices.push_back({d.at("name").get<std::string>(), d.at("spec").get<std::string>(), d.at("description").get<std::string>(),
                           d.at("timer").get<std::string>()});
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
          else r.stats = stats_from(result);
          node.devices[device] = r;
        }
        batch.nodes.push_back(std::move(node));
      }
      for (const auto& [device, w] : b.at("whole_model").items()) {
        WholeModel whole;
        whole.unfused = stats_from(w.at("unfused"));
        if (!w.at("fused").is_null()) whole.fused = stats_from(w.at("fused"));
        whole.sum_of_node_medians_us = w.at("sum_of_node_medians_us").get<double>();
        batch.whole_model[device] = whole;
      }
      p.batches.push_back(std::move(batch));
    }
    for (const auto& l : doc.at("links")) {
      LinkProfile link;
      link.from = l.at("from").get<std::string>();
      link.to = l.at("to").get<std::string>();
      link.kind = l.at("kind").get<std::string>();
      link.latency_us = l.at("latency_us").get<double>();
      if (!l.at("bandwidth_gb_s").is_null()) link.bandwidth_gb_s = l.at("bandwidth_gb_s").get<double>();
      for (const auto& pt : l.at("points")) link.points.push_back({pt.at("bytes").get<int64_t>(), pt.at("time_us").get<double>()});
      p.links.push_back(std::move(link));
    }
    p.wall_s = doc.at("overhead").at("wall_s").get<double>();
    p.timed_s = doc.at("overhead").at("timed_s").get<double>();
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": malformed " + std::string(profile_schema) + " file: " + e.what());
  }
}

}  // namespace profiler
