#include "cli/run_inputs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>

#include "ir/error.h"
#include "runtime/host_tensors.h"

namespace cli {

std::string shape_text(const std::vector<int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

std::vector<onnx_loader::NamedTensor> read_input_files(const std::string& dir, const ir::Graph& graph, ir::ShapeBindings& bindings) {
  std::vector<onnx_loader::NamedTensor> given;
  if (dir.empty()) return given;
  for (const std::string& file : onnx_loader::numbered_tensor_files(dir, "input")) given.push_back(onnx_loader::read_tensor_file(file));
  if (given.size() != graph.inputs.size())
    throw ir::Error(ir::ErrorKind::usage, "--inputs " + dir + ": " + std::to_string(given.size()) + " input_K.pb files, the model takes " +
                                              std::to_string(graph.inputs.size()) + " inputs");
  for (size_t i = 0; i < given.size(); ++i) {
    const std::string& name = graph.tensor(graph.inputs[i]).name;
    if (!given[i].name.empty() && given[i].name != name)
      throw ir::Error(ir::ErrorKind::usage, "--inputs: input_" + std::to_string(i) + ".pb holds '" + given[i].name + "', the model's input " +
                                                std::to_string(i) + " is '" + name + "'");
    // The file's shape against the model's declaration, blamed on the file (binding it first
    // would report the clash as a --shape one).
    const auto& declared = graph.tensor(graph.inputs[i]).declared_shape;
    const std::vector<int64_t>& dims = given[i].data.dims;
    if (declared && declared->size() != dims.size())
      throw ir::Error(ir::ErrorKind::usage, "--inputs: input_" + std::to_string(i) + ".pb has shape " + shape_text(dims) + " (rank " +
                                                std::to_string(dims.size()) + "), but the model declares '" + name + "' with rank " +
                                                std::to_string(declared->size()));
    for (size_t d = 0; declared && d < dims.size(); ++d)
      if ((*declared)[d].is_known() && (*declared)[d].value != dims[d])
        throw ir::Error(ir::ErrorKind::usage, "--inputs: input_" + std::to_string(i) + ".pb has shape " + shape_text(dims) + ", but dim " +
                                                  std::to_string(d) + " of '" + name + "' is fixed to " + std::to_string((*declared)[d].value) +
                                                  " in the model");
    bindings.input_shapes.emplace(name, dims);
  }
  return given;
}

std::vector<runtime::Tensor> host_inputs(const ir::Graph& graph, const std::vector<onnx_loader::NamedTensor>& given, std::mt19937& rng) {
  std::vector<runtime::Tensor> inputs;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ir::Tensor& info = graph.tensor(graph.inputs[i]);
    runtime::Tensor t = runtime::host_tensor(info.dtype, info.shape);
    if (given.empty()) {
      runtime::fill_random(t, rng);
    } else {
      if (given[i].data.dims != info.shape)
        throw ir::Error(ir::ErrorKind::usage, "--inputs: input_" + std::to_string(i) + ".pb has shape " + shape_text(given[i].data.dims) + ", but '" +
                                                  info.name + "' is bound to " + shape_text(info.shape));
      if (given[i].data.dtype != info.dtype)
        throw ir::Error(ir::ErrorKind::usage, "--inputs: input '" + info.name + "' is " + std::string(ir::dtype_name(given[i].data.dtype)) +
                                                  ", the model wants " + std::string(ir::dtype_name(info.dtype)));
      std::copy(given[i].data.bytes.begin(), given[i].data.bytes.end(), static_cast<char*>(t.data));
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

// VmHWM of /proc/self/status, which belongs to this program's memory map. (getrusage's
// ru_maxrss survives exec on Linux, so a partplan started by a large process would report
// that process's size.)
int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmHWM:  123 kB"
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace cli
