#include "exporter/exports.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ir/atomic_write.h"
#include "ir/dtype.h"
#include "ir/error.h"
#include "onnx_loader/model_writer.h"

namespace exporter {

namespace {

namespace fs = std::filesystem;
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

// A string in protobuf's text format: quotes and backslashes escaped.
std::string text_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
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

std::string tensor_entries(const ir::Graph& graph, const std::vector<ir::TensorId>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const ir::Tensor& t = graph.tensor(ids[i]);
    // A scalar is dims [ 1 ] with a reshape to [] (Triton has no rank-0 dims).
    const std::string dims = t.shape.empty() ? "[ 1 ]\n    reshape: { shape: [ ] }" : fmt::format("[ {} ]", fmt::join(t.shape, ", "));
    out += fmt::format("  {{\n    name: {}\n    data_type: {}\n    dims: {}\n  }}{}\n", text_string(t.name), triton_type(t.dtype), dims, i + 1 < ids.size() ? "," : "");
  }
  return out;
}

// Everything is written into a fresh folder beside DIR, which then replaces DIR: a failure
// leaves no half-written export, and DIR is only ever replaced when it holds an earlier export.
class ExportFolder {
 public:
  explicit ExportFolder(const std::string& dir) : dir_(fs::path(dir).lexically_normal()) {
    if (dir_.filename().empty()) dir_ = dir_.parent_path();
    std::error_code error;
    if (fs::exists(dir_, error) && !fs::is_empty(dir_, error) && !fs::exists(dir_ / "manifest.json", error))
      throw ir::Error(ir::ErrorKind::usage, dir + ": the folder exists and is not an earlier partplan export (no manifest.json); choose another");
    staging_ = dir_;
    staging_ += fmt::format(".partial-{}", getpid());
    fs::remove_all(staging_, error);
    if (!fs::create_directories(staging_, error) || error)
      throw ir::Error(ir::ErrorKind::file, dir + ": cannot make the folder (" + error.message() + ")");
  }
  ~ExportFolder() {
    if (!committed_) {
      std::error_code error;
      fs::remove_all(staging_, error);
    }
  }
  std::string path(const std::string& relative) const {
    const fs::path p = staging_ / relative;
    std::error_code error;
    fs::create_directories(p.parent_path(), error);
    if (error) throw ir::Error(ir::ErrorKind::file, p.parent_path().string() + ": cannot make the folder (" + error.message() + ")");
    return p.string();
  }
  void make_folder(const std::string& relative) const {
    std::error_code error;
    fs::create_directories(staging_ / relative, error);
    if (error) throw ir::Error(ir::ErrorKind::file, (staging_ / relative).string() + ": cannot make the folder (" + error.message() + ")");
  }
  void commit() {
    std::error_code error;
    fs::remove_all(dir_, error);
    fs::rename(staging_, dir_, error);
    if (error) throw ir::Error(ir::ErrorKind::file, dir_.string() + ": cannot move the export into place (" + error.message() + ")");
    committed_ = true;
  }

 private:
  fs::path dir_, staging_;
  bool committed_ = false;
};

}  // namespace

json export_manifest(const ir::Graph& graph, const planner::Plan& plan, const std::vector<Part>& parts, const ExportSource& source) {
  json doc;
  doc["schema"] = export_schema;
  doc["model"] = {{"path", source.model_path}, {"sha256", source.model_sha256}};
  doc["plan"] = {{"path", source.plan_path}, {"objective", plan.objective}};
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
  ExportFolder folder(dir);
  for (const Part& p : parts) onnx_loader::write_subgraph_model(graph, {p.name, p.nodes, p.inputs, p.outputs}, folder.path(p.name + ".onnx"));
  json manifest = export_manifest(graph, plan, parts, source);
  ir::write_file_atomically(folder.path("manifest.json"), manifest.dump(1) + "\n");
  folder.commit();
}

std::string triton_part_config(const ir::Graph& graph, const Part& part, bool on_gpu, int gpu) {
  std::string out = fmt::format("name: {}\nbackend: \"onnxruntime\"\nmax_batch_size: 0\n", text_string(part.name));
  out += "input [\n" + tensor_entries(graph, part.inputs) + "]\n";
  out += "output [\n" + tensor_entries(graph, part.outputs) + "]\n";
  out += on_gpu ? fmt::format("instance_group [\n  {{\n    count: 1\n    kind: KIND_GPU\n    gpus: [ {} ]\n  }}\n]\n", gpu)
                : "instance_group [\n  {\n    count: 1\n    kind: KIND_CPU\n  }\n]\n";
  return out;
}

std::string triton_ensemble_config(const ir::Graph& graph, const std::vector<Part>& parts, const std::string& name) {
  std::string out = fmt::format("name: {}\nplatform: \"ensemble\"\nmax_batch_size: 0\n", text_string(name));
  out += "input [\n" + tensor_entries(graph, graph.inputs) + "]\n";
  out += "output [\n" + tensor_entries(graph, graph.outputs) + "]\n";
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
  for (const Part& p : parts)
    if (p.name == ensemble_name) throw ir::Error(ir::ErrorKind::usage, "--ensemble-name '" + ensemble_name + "' is a part's name; choose another");
  ExportFolder folder(dir);
  for (const Part& p : parts) {
    const planner::PlannedDevice& d = device_of(plan, p.device);
    const int gpu = gpu_index(d);
    std::string config = triton_part_config(graph, p, gpu >= 0, std::max(gpu, 0));
    // A CPU part keeps the plan's thread count for onnxruntime's intra-op pool.
    if (const int threads = cpu_threads(d); gpu < 0 && threads > 0)
      config += fmt::format("parameters {{ key: \"intra_op_thread_count\" value: {{ string_value: \"{}\" }} }}\n", threads);
    ir::write_file_atomically(folder.path(p.name + "/config.pbtxt"), config);
    onnx_loader::write_subgraph_model(graph, {p.name, p.nodes, p.inputs, p.outputs}, folder.path(p.name + "/1/model.onnx"));
  }
  ir::write_file_atomically(folder.path(ensemble_name + "/config.pbtxt"), triton_ensemble_config(graph, parts, ensemble_name));
  folder.make_folder(ensemble_name + "/1");  // Triton wants the version folder, even empty
  ir::write_file_atomically(folder.path("manifest.json"), export_manifest(graph, plan, parts, source).dump(1) + "\n");
  folder.commit();
}

}  // namespace exporter
