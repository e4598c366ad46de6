#include "ir/shape_inference.h"

#include <charconv>

#include "ir/constant_folding.h"
#include "ir/error.h"
#include "ir/shape_context.h"

namespace ir {

namespace {

constexpr ShapeFunction shape_functions[] = {
#define PARTPLAN_OP(name, shape_fn, cost_fn) &shape_fn,
#include "ir/ops.def"
#undef PARTPLAN_OP
};

std::string dims_text(const std::vector<Dim>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += dims[i].is_known() ? std::to_string(dims[i].value) : (dims[i].symbol.empty() ? "?" : dims[i].symbol);
  }
  return s + "]";
}

// The concrete shape of graph input `t` under the user's bindings.
// `symbols`: dim names already bound through --shape on some input ("batch" -> 2), so the
// same name on another input takes the same value.
std::vector<int64_t> bind_input(const Tensor& t, const ShapeBindings& bindings, const std::map<std::string, int64_t>& symbols,
                                const std::string& label) {
  auto bound = bindings.input_shapes.find(t.name);
  if (!t.declared_shape) {
    if (bound != bindings.input_shapes.end()) return bound->second;
    throw Error(ErrorKind::shape, label + ": input '" + t.name + "' declares no shape; give one with --shape " + t.name + ":DIMS");
  }
  const auto& declared = *t.declared_shape;
  if (bound != bindings.input_shapes.end()) {
    const auto& dims = bound->second;
    if (dims.size() != declared.size())
      throw Error(ErrorKind::usage, "--shape " + t.name + ": rank " + std::to_string(dims.size()) + " given, the model declares " +
                                        dims_text(declared) + " (rank " + std::to_string(declared.size()) + ")");
    for (size_t i = 0; i < dims.size(); ++i)
      if (declared[i].is_known() && declared[i].value != dims[i])
        throw Error(ErrorKind::usage, "--shape " + t.name + ": dim " + std::to_string(i) + " is fixed to " +
                                          std::to_string(declared[i].value) + " in the model (declared " + dims_text(declared) + ")");
    return dims;
  }
  std::vector<int64_t> dims;
  for (size_t i = 0; i < declared.size(); ++i) {
    if (declared[i].is_known()) {
      dims.push_back(declared[i].value);
    } else if (auto named = symbols.find(declared[i].symbol); !declared[i].symbol.empty() && named != symbols.end()) {
      dims.push_back(named->second);
    } else if (i == 0 && bindings.batch) {
      dims.push_back(*bindings.batch);
    } else {
      const std::string sym = declared[i].symbol.empty() ? "?" : "'" + declared[i].symbol + "'";
      std::string example = "--shape " + t.name + ":";
      for (size_t j = 0; j < declared.size(); ++j) {
        const Dim& d = declared[j];
        example += (j ? "x" : "") + (d.is_known() ? std::to_string(d.value) : std::string("1"));
      }
      throw Error(ErrorKind::shape, label + ": input '" + t.name + "' has unbound dim " + sym + " (dim " + std::to_string(i) + " of " +
                                        dims_text(declared) + "); bind it, e.g. " + example + (i == 0 ? " or --batch N" : ""));
    }
  }
  return dims;
}

void check_tensor_size(const Tensor& t, const ShapeBindings& bindings, const std::string& where) {
  const int64_t count = checked_element_count(t.shape, where + ": tensor '" + t.name + "'");
  const auto elem = static_cast<int64_t>(dtype_size_bytes(t.dtype));
  if (elem != 0 && count > bindings.max_tensor_bytes / elem)
    throw Error(ErrorKind::shape, where + ": tensor '" + t.name + "' would need " + std::to_string(count) + " elements of " +
                                      std::to_string(elem) + " bytes, over --max-tensor-bytes " + std::to_string(bindings.max_tensor_bytes));
}

}  // namespace

std::vector<int64_t> parse_dims(const std::string& text, const std::string& flag) {
  std::vector<int64_t> dims;
  if (text.empty()) return dims;  // a scalar
  size_t start = 0;
  while (true) {
    const auto x = text.find('x', start);
    const std::string part = text.substr(start, x == std::string::npos ? std::string::npos : x - start);
    int64_t value = -1;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value < 0)
      throw Error(ErrorKind::usage, flag + ": '" + text + "' is not a shape like 1x3x224x224");
    dims.push_back(value);
    if (x == std::string::npos) break;
    start = x + 1;
  }
  return dims;
}

ShapeReport resolve_shapes(Graph& graph, const ShapeBindings& bindings, const std::string& label) {
  for (const auto& [name, dims] : bindings.input_shapes) {
    auto id = graph.find_tensor(name);
    if (!id || graph.tensor(*id).kind != TensorKind::input) {
      std::string names;
      for (TensorId in : graph.inputs) names += (names.empty() ? "" : ", ") + graph.tensor(in).name;
      throw Error(ErrorKind::usage, "--shape " + name + ": the model has no input of that name (inputs: " + names + ")");
    }
  }
  if (bindings.batch && *bindings.batch <= 0) throw Error(ErrorKind::usage, "--batch must be positive");

  std::map<std::string, int64_t> symbols;
  for (TensorId id : graph.inputs) {
    const Tensor& t = graph.tensor(id);
    auto bound = bindings.input_shapes.find(t.name);
    if (bound == bindings.input_shapes.end() || !t.declared_shape || t.declared_shape->size() != bound->second.size()) continue;
    for (size_t i = 0; i < bound->second.size(); ++i)
      if (!(*t.declared_shape)[i].symbol.empty()) symbols.emplace((*t.declared_shape)[i].symbol, bound->second[i]);
  }
  for (Tensor& t : graph.tensors) {
    if (t.kind == TensorKind::initializer || t.kind == TensorKind::constant) {
      t.shape = t.value->dims;
      t.shape_known = true;
    } else if (t.kind == TensorKind::input) {
      t.shape = bind_input(t, bindings, symbols, label);
      t.shape_known = true;
      check_tensor_size(t, bindings, label);
    } else {
      t.shape_known = false;
    }
  }

  ShapeReport report;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto id = static_cast<NodeId>(i);
    const Node& node = graph.nodes[i];
    if (node.op == OpKind::unknown || node.has_subgraph) {
      report.unsupported.push_back(id);
      continue;
    }
    bool inputs_known = true;
    for (TensorId in : node.inputs)
      if (in != no_tensor && !graph.tensor(in).shape_known) inputs_known = false;
    if (!inputs_known) {
      report.unresolved.push_back(id);
      continue;
    }
    ShapeContext ctx(graph, id, label);
    shape_functions[static_cast<size_t>(node.op)](ctx);
    for (TensorId out : node.outputs) {
      if (out == no_tensor) continue;
      if (!graph.tensor(out).shape_known) ctx.fail("produced no shape for output '" + graph.tensor(out).name + "'");
      check_tensor_size(graph.tensor(out), bindings, label + ": node '" + node.name + "'");
    }
    fold_constant_node(graph, id, bindings.max_folded_elements);
  }
  return report;
}

}  // namespace ir
