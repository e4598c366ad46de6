#include "costmodel/hardware_spec.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "ir/error.h"
#include "ir/field_checks.h"

namespace costmodel {

namespace {

double positive(const nlohmann::json& j, const char* key, const std::string& path) {
  const double v = j.at(key).get<double>();
  if (!(v > 0)) throw ir::Error(ir::ErrorKind::file, path + ": '" + key + "' must be a positive number");
  return v;
}

double share(const nlohmann::json& j, const char* key, const std::string& path) {
  const double v = j.at(key).get<double>();
  if (!(v > 0 && v <= 1)) throw ir::Error(ir::ErrorKind::file, path + ": '" + key + "' must be in (0, 1]");
  return v;
}

}  // namespace

SpecDevice load_device_spec(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  if (!in) throw ir::Error(ir::ErrorKind::file, path + ": cannot read the device spec");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": not JSON: " + ir::json_problem(e.what()));
  }
  if (!doc.is_object() || !(doc.contains("schema") && doc.at("schema") == device_spec_schema))
    throw ir::Error(ir::ErrorKind::file, path + ": not a " + std::string(device_spec_schema) + " file");
  try {
    SpecDevice spec;
    DeviceModel& d = spec.device;
    d.name = name;
    d.spec = "spec:" + path;
    d.description = doc.at("name").get<std::string>() + " (device spec: estimated)";
    d.timer = "none";
    d.estimated = true;
    std::string sources;
    for (const auto& [figure, source] : doc.at("sources").items()) sources += (sources.empty() ? "" : "; ") + figure + ": " + source.get<std::string>();
    d.spec_sources = sources;
    const nlohmann::json& achievable = doc.at("achievable");
    // Strict FP32 (partplan never uses TF32): the CUDA cores' peak, not the tensor cores'.
    d.roofline.flops_per_s = positive(doc, "peak_fp32_flops", path) * share(achievable, "compute", path);
    d.roofline.bytes_per_s = positive(doc, "memory_bandwidth_bytes_per_s", path) * share(achievable, "memory", path);
    d.roofline.launch_us = positive(doc, "launch_overhead_us", path);
    const nlohmann::json& link = doc.at("host_link");
    const double latency = positive(link, "latency_us", path);
    for (const auto& [from, to, key] : {std::tuple{std::string("host"), name, "host_to_device_gb_s"}, std::tuple{name, std::string("host"), "device_to_host_gb_s"}})
      spec.links.push_back({from, to, "copy", "pinned", {}, latency, positive(link, key, path)});
    return spec;
  } catch (const nlohmann::json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": malformed device spec: " + ir::json_problem(e.what()));
  }
}

}  // namespace costmodel
