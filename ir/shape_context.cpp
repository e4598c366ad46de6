#include "ir/shape_context.h"

namespace ir {

ShapeContext::ShapeContext(Graph& graph, NodeId node, const std::string& model_label)
    : graph_(graph), node_(graph.node(node)), label_(model_label) {}

const std::vector<int64_t>& ShapeContext::input_shape(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required");
  return graph_.tensor(node_.inputs[i]).shape;
}

DType ShapeContext::input_dtype(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required");
  return graph_.tensor(node_.inputs[i]).dtype;
}

const TensorData* ShapeContext::input_value(size_t i) const {
  if (!has_input(i)) return nullptr;
  return graph_.tensor(node_.inputs[i]).value.get();
}

std::vector<int64_t> ShapeContext::input_ints(size_t i, const std::string& role) const {
  const TensorData* value = input_value(i);
  if (value == nullptr) {
    const std::string tensor = has_input(i) ? graph_.tensor(node_.inputs[i]).name : "?";
    fail("input '" + tensor + "' (" + role + ") is computed at run time; partplan needs it constant to resolve shapes");
  }
  return value->to_int64s();
}

const Attribute* ShapeContext::attr(const std::string& name) const {
  auto it = node_.attributes.find(name);
  return it == node_.attributes.end() ? nullptr : &it->second;
}

int64_t ShapeContext::attr_int(const std::string& name, int64_t fallback) const {
  const Attribute* a = attr(name);
  return a != nullptr && a->kind == Attribute::Kind::int_ ? a->i : fallback;
}

float ShapeContext::attr_float(const std::string& name, float fallback) const {
  const Attribute* a = attr(name);
  return a != nullptr && a->kind == Attribute::Kind::float_ ? a->f : fallback;
}

std::string ShapeContext::attr_string(const std::string& name, const std::string& fallback) const {
  const Attribute* a = attr(name);
  return a != nullptr && a->kind == Attribute::Kind::string ? a->s : fallback;
}

std::vector<int64_t> ShapeContext::attr_ints(const std::string& name) const {
  const Attribute* a = attr(name);
  if (a == nullptr) return {};
  if (a->kind == Attribute::Kind::int_) return {a->i};
  return a->ints;
}

void ShapeContext::set_output(size_t i, DType dtype, std::vector<int64_t> shape) {
  if (!has_output(i)) return;
  for (int64_t d : shape)
    if (d < 0) fail("computed a negative dimension " + std::to_string(d) + " for output " + std::to_string(i));
  Tensor& t = graph_.tensor(node_.outputs[i]);
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.shape_known = true;
}

int64_t ShapeContext::normalize_axis(int64_t axis, int64_t rank, const std::string& what) const {
  if (axis < -rank || axis >= rank)
    fail(what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

void ShapeContext::fail(const std::string& message) const {
  throw Error(ErrorKind::shape, label_ + ": node '" + node_.name + "' (" + node_.op_type + "): " + message);
}

std::vector<int64_t> broadcast_shapes(const ShapeContext& ctx, const std::vector<int64_t>& a,
                                      const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      ctx.fail("shapes cannot be broadcast: dimension " + std::to_string(da) + " vs " + std::to_string(db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace ir
