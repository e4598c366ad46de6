#include "exporter/exports.h"

#include "exporter/export_folder.h"

#include <fmt/format.h>

#include <cmath>

#include "ir/output_file.h"
#include "ir/dtype.h"
#include "ir/error.h"
#include "onnx_loader/model_writer.h"

namespace exporter {

namespace {

using json = nlohmann::json;

json tensor_json(const ir::Tensor& t) { return {{"name", t.name}, {"dtype", std::string(ir::dtype_name(t.dtype))}, {"shape", t.shape}}; }

const planner::PlannedDevice& device_of(const planner::Plan& plan, const std::string& name) {
  for (const planner::PlannedDevice& d : plan.devices)
    if (d.name == name) return d;
  throw ir::Error(ir::ErrorKind::internal, "a part names device " + name + ", which the plan lacks");
}

// "cuda:1 NVIDIA H100 ..." -> GPU 1; a CPU device -> -1.
int gpu_index(const planner::PlannedDevice& d) {
  if (d.description.rfind("cuda", 0) != 0) return -1;
  return d.description.size() > 5 && d.description[4] == ':' ? std::atoi(d.description.c_str() + 5) : 0;
}

// "cpu:threads=4 (cores 0-3)" -> 4; 0 when the description does not say.
int cpu_threads(const planner::PlannedDevice& d) {
  const auto at = d.description.find("threads=");
  return at == std::string::npos ? 0 : std::atoi(d.description.c_str() + at + 8);
}

// A string in protobuf's text format: quotes, backslashes and control characters escaped.
std::string text_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += std::string("\\") + c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out + "\"";
}

const char* triton_type(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::float32: return "TYPE_FP32";
    case ir::DType::float16: return "TYPE_FP16";
    case ir::DType::bfloat16: return "TYPE_BF16";
    case ir::DType::float64: return "TYPE_FP64";
    case ir::DType::int8: return "TYPE_INT8";
    case ir::DType::int16: return "TYPE_INT16";
    case ir::DType::int32: return "TYPE_INT32";
    case ir::DType::int64: return "TYPE_INT64";
    case ir::DType::uint8: return "TYPE_UINT8";
    case ir::DType::uint16: return "TYPE_UINT16";
    case ir::DType::uint32: return "TYPE_UINT32";
    case ir::DType::uint64: return "TYPE_UINT64";
    case ir::DType::boolean: return "TYPE_BOOL";
    case ir::DType::string: return "TYPE_STRING";
    case ir::DType::undefined: break;
  }
  return "TYPE_INVALID";
}

// `model_side`: a part's own tensors (a scalar reshaped to [ ]), else the ensemble's.
std::string tensor_entries(const ir::Graph& graph, const std::vector<ir::TensorId>& ids, bool model_side) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const ir::Tensor& t = graph.tensor(ids[i]);
    const std::string dims = !t.shape.empty() ? fmt::format("[ {} ]", fmt::join(t.shape, ", ")) : model_side ? "[ 1 ]\n    reshape: { shape: [ ] }" : "[ 1 ]";
    out += fmt::format("  {{\n    name: {}\n    data_type: {}\n    dims: {}\n  }}{}\n", text_string(t.name), triton_type(t.dtype), dims, i + 1 < ids.size() ? "," : "");
  }
  return out;
}

}  // namespace

json export_manifest(const ir::Graph& graph, const planner::Plan& plan, const std::vector<Part>& parts, const ExportSource& source,
                     const std::string& ensemble) {
  json doc;
  doc["schema"] = export_schema;
  doc["model"] = {{"path", source.model_path}, {"sha256", source.model_sha256}};
  doc["plan"] = {{"path", source.plan_path}, {"objective", plan.objective}};
  doc["ensemble"] = ensemble.empty() ? json(nullptr) : json(ensemble);
  doc["inputs"] = json::array();
  for (ir::TensorId t : graph.inputs) doc["inputs"].push_back(tensor_json(graph.tensor(t)));
  doc["outputs"] = json::array();
  for (ir::TensorId t : graph.outputs) doc["outputs"].push_back(tensor_json(graph.tensor(t)));
  doc["parts"] = json::array();
  for (const Part& p : parts) {
    json nodes = json::array();
    for (ir::NodeId n : p.nodes) nodes.push_back(graph.node(n).name);
    json inputs = json::array(), outputs = json::array();
    for (ir::TensorId t : p.inputs) inputs.push_back(tensor_json(graph.tensor(t)));
    for (ir::TensorId t : p.outputs) outputs.push_back(tensor_json(graph.tensor(t)));
    const planner::PlannedDevice& d = device_of(plan, p.device);
    doc["parts"].push_back({{"name", p.name},
                            {"file", p.name + ".onnx"},
                            {"device", p.device},
                            {"device_description", d.description},
                            {"stage", p.stage},
                            {"nodes", nodes},
                            {"inputs", inputs},
                            {"outputs", outputs}});
  }
  return doc;
}

void write_onnx_parts(const ir::Graph& graph, const planner::Plan& plan, const std::vector<Part>& parts, const ExportSource& source, const std::string& dir) {
  ExportFolder folder(dir, source.inputs);
  for (const Part& p : parts) onnx_loader::write_subgraph_model(graph, {p.name, p.nodes, p.inputs, p.outputs}, folder.path(p.name + ".onnx"));
  json manifest = export_manifest(graph, plan, parts, source, "");
  ir::write_output_file(folder.path("manifest.json"), manifest.dump(1) + "\n");
  folder.commit();
}

std::string triton_part_config(const ir::Graph& graph, const Part& part, bool on_gpu, int gpu) {
  std::string out = fmt::format("name: {}\nbackend: \"onnxruntime\"\nmax_batch_size: 0\n", text_string(part.name));
  out += "input [\n" + tensor_entries(graph, part.inputs, true) + "]\n";
  out += "output [\n" + tensor_entries(graph, part.outputs, true) + "]\n";
  out += on_gpu ? fmt::format("instance_group [\n  {{\n    count: 1\n    kind: KIND_GPU\n    gpus: [ {} ]\n  }}\n]\n", gpu)
                : "instance_group [\n  {\n    count: 1\n    kind: KIND_CPU\n  }\n]\n";
  return out;
}

std::string triton_ensemble_config(const ir::Graph& graph, const std::vector<Part>& parts, const std::string& name) {
  std::string out = fmt::format("name: {}\nplatform: \"ensemble\"\nmax_batch_size: 0\n", text_string(name));
  out += "input [\n" + tensor_entries(graph, graph.inputs, false) + "]\n";
  out += "output [\n" + tensor_entries(graph, graph.outputs, false) + "]\n";
  // The ensemble's tensors keep the model's names (unique in a graph); Triton runs a step as
  // soon as its inputs exist, so parts of one stage run at once.
  out += "ensemble_scheduling {\n  step [\n";
  for (size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    out += fmt::format("    {{\n      model_name: {}\n      model_version: -1\n", text_string(p.name));
    for (ir::TensorId t : p.inputs) out += fmt::format("      input_map {{ key: {} value: {} }}\n", text_string(graph.tensor(t).name), text_string(graph.tensor(t).name));
    for (ir::TensorId t : p.outputs) out += fmt::format("      output_map {{ key: {} value: {} }}\n", text_string(graph.tensor(t).name), text_string(graph.tensor(t).name));
    out += fmt::format("    }}{}\n", i + 1 < parts.size() ? "," : "");
  }
  return out + "  ]\n}\n";
}

void write_triton_repository(const ir::Graph& graph, const planner::Plan& plan, const std::vector<Part>& parts, const ExportSource& source,
                             const std::string& dir, const std::string& ensemble_name) {
  check_file_name(ensemble_name, "--ensemble-name");
  for (const Part& p : parts) {
    if (p.name == ensemble_name) throw ir::Error(ir::ErrorKind::usage, "--ensemble-name '" + ensemble_name + "' is a part's name; choose another");
    if (p.inputs.empty())
      throw ir::Error(ir::ErrorKind::unsupported, "part " + p.name + " (from node '" + graph.node(p.nodes.front()).name +
                                                      "') computes from constants alone; Triton never starts a step without inputs (export --onnx-subgraphs instead)");
  }
  ExportFolder folder(dir, source.inputs);
  for (const Part& p : parts) {
    const planner::PlannedDevice& d = device_of(plan, p.device);
    const int gpu = gpu_index(d);
    std::string config = triton_part_config(graph, p, gpu >= 0, std::max(gpu, 0));
    // A CPU part keeps the plan's thread count for onnxruntime's intra-op pool.
    if (const int threads = cpu_threads(d); gpu < 0 && threads > 0)
      config += fmt::format("parameters {{ key: \"intra_op_thread_count\" value: {{ string_value: \"{}\" }} }}\n", threads);
    ir::write_output_file(folder.path(p.name + "/config.pbtxt"), config);
    onnx_loader::write_subgraph_model(graph, {p.name, p.nodes, p.inputs, p.outputs}, folder.path(p.name + "/1/model.onnx"));
  }
  ir::write_output_file(folder.path(ensemble_name + "/config.pbtxt"), triton_ensemble_config(graph, parts, ensemble_name));
  folder.make_folder(ensemble_name + "/1");  // Triton wants the version folder, even empty
  ir::write_output_file(folder.path("manifest.json"), export_manifest(graph, plan, parts, source, ensemble_name).dump(1) + "\n");
  folder.commit();
}

}  // namespace exporter
