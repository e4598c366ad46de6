#pragma once
// Small helpers every CPU kernel uses: attributes, errors, strides, broadcasting, threads.
#include <cstdint>
#include <string>
#include <vector>

#include "ir/error.h"
#include "ir/graph.h"
#include "runtime/tensor.h"

namespace runtime::cpu {

inline const ir::Attribute* find_attr(const ir::Node& node, const std::string& name) {
  auto it = node.attributes.find(name);
  return it == node.attributes.end() ? nullptr : &it->second;
}
inline int64_t attr_int(const ir::Node& node, const std::string& name, int64_t fallback) {
  const ir::Attribute* a = find_attr(node, name);
  return a != nullptr && a->kind == ir::Attribute::Kind::int_ ? a->i : fallback;
}
inline float attr_float(const ir::Node& node, const std::string& name, float fallback) {
  const ir::Attribute* a = find_attr(node, name);
  return a != nullptr && a->kind == ir::Attribute::Kind::float_ ? a->f : fallback;
}
inline std::string attr_string(const ir::Node& node, const std::string& name, const std::string& fallback) {
  const ir::Attribute* a = find_attr(node, name);
  return a != nullptr && a->kind == ir::Attribute::Kind::string ? a->s : fallback;
}
inline std::vector<int64_t> attr_ints(const ir::Node& node, const std::string& name) {
  const ir::Attribute* a = find_attr(node, name);
  if (a == nullptr) return {};
  return a->kind == ir::Attribute::Kind::int_ ? std::vector<int64_t>{a->i} : a->ints;
}

// Throws ir::Error(unsupported) naming the node: an attribute value or dtype not handled.
[[noreturn]] inline void unsupported(const ir::Node& node, const std::string& why) {
  throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "' (" + node.op_type + "): " + why);
}

// Resolved shape/dtype of a node's input or output (from the graph, at prepare time).
inline const ir::Tensor& input_info(const ir::Graph& graph, const ir::Node& node, size_t i) { return graph.tensor(node.inputs.at(i)); }
inline const ir::Tensor& output_info(const ir::Graph& graph, const ir::Node& node, size_t i) { return graph.tensor(node.outputs.at(i)); }

// Row-major strides (in elements).
inline std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

// Strides of `in` as seen from an output of shape `out` under numpy broadcasting: 0 where
// `in` is broadcast (missing leading dims or size 1), the real stride elsewhere.
inline std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  std::vector<int64_t> result(out.size(), 0);
  const auto real = strides_of(in);
  const size_t offset = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) result[d + offset] = in[d] == 1 ? 0 : real[d];
  return result;
}

inline int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Below this many elements an OpenMP region costs more than it saves.
inline constexpr int64_t parallel_threshold = 1 << 14;

}  // namespace runtime::cpu
