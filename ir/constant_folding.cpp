#include "ir/constant_folding.h"

#include <cmath>

#include "ir/error.h"

namespace ir {

namespace {

// A constant as plain numbers: integers and bools exactly, floats as double.
struct Values {
  DType dtype = DType::undefined;
  std::vector<int64_t> dims;
  bool integral = true;
  std::vector<int64_t> ints;
  std::vector<double> reals;

  static Values of(const TensorData& t) {
    Values v;
    v.dtype = t.dtype;
    v.dims = t.dims;
    v.integral = !is_floating(t.dtype);
    if (v.integral) v.ints = t.to_int64s();
    else v.reals = t.to_doubles();
    return v;
  }
  size_t size() const { return integral ? ints.size() : reals.size(); }
  double real(size_t i) const { return integral ? static_cast<double>(ints[i]) : reals[i]; }
};

TensorData to_tensor(DType dtype, std::vector<int64_t> dims, const Values& v) {
  return v.integral ? TensorData::from_int64s(dtype, std::move(dims), v.ints)
                    : TensorData::from_doubles(dtype, std::move(dims), v.reals);
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strides;
}

// Index into `in_dims` (right-aligned, size-1 dims broadcast) for flat output index `flat`.
int64_t broadcast_index(int64_t flat, const std::vector<int64_t>& out_dims, const std::vector<int64_t>& in_dims) {
  const auto out_strides = strides_of(out_dims);
  const auto in_strides = strides_of(in_dims);
  const size_t offset = out_dims.size() - in_dims.size();
  int64_t index = 0;
  for (size_t d = 0; d < out_dims.size(); ++d) {
    const int64_t coord = flat / out_strides[d] % out_dims[d];
    if (d >= offset && in_dims[d - offset] != 1) index += coord * in_strides[d - offset];
  }
  return index;
}

int64_t count_of(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Elementwise over broadcast inputs; `op` maps the inputs' numbers at one position to the output's.
template <typename Op>
Values elementwise(const std::vector<Values>& in, const std::vector<int64_t>& out_dims, bool integral_out, Op op) {
  Values out;
  out.dims = out_dims;
  out.integral = integral_out;
  const int64_t n = count_of(out_dims);
  std::vector<double> args(in.size());
  std::vector<int64_t> int_args(in.size());
  for (int64_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < in.size(); ++k) {
      const auto j = static_cast<size_t>(broadcast_index(i, out_dims, in[k].dims));
      args[k] = in[k].real(j);
      int_args[k] = in[k].integral ? in[k].ints[j] : 0;
    }
    const auto [as_int, as_real] = op(int_args, args);
    if (integral_out) out.ints.push_back(as_int);
    else out.reals.push_back(as_real);
  }
  return out;
}

// Copies elements of `in` picked by `source(flat_output_index)`.
template <typename Source>
Values gather_elements(const Values& in, const std::vector<int64_t>& out_dims, Source source) {
  Values out;
  out.dims = out_dims;
  out.integral = in.integral;
  const int64_t n = count_of(out_dims);
  for (int64_t i = 0; i < n; ++i) {
    const auto j = static_cast<size_t>(source(i));
    if (in.integral) out.ints.push_back(in.ints[j]);
    else out.reals.push_back(in.reals[j]);
  }
  return out;
}

}  // namespace

bool fold_constant_node(Graph& graph, NodeId id, int64_t max_elements) {
  const Node& node = graph.node(id);
  if (node.outputs.empty() || !node.has_output(0)) return false;
  Tensor& out = graph.tensor(node.outputs[0]);
  if (!out.shape_known || out.value) return false;

  // Ops that need only the input's shape.
  if (node.op == OpKind::Shape || node.op == OpKind::Size) {
    const Tensor& in = graph.tensor(node.inputs.at(0));
    std::vector<int64_t> values;
    if (node.op == OpKind::Size) {
      values.push_back(count_of(in.shape));
    } else {
      // Shape's start/end were applied by the shape function; recover them from the attribute.
      int64_t begin = 0;
      auto it = node.attributes.find("start");
      const auto rank = static_cast<int64_t>(in.shape.size());
      if (it != node.attributes.end()) begin = it->second.i < 0 ? std::max<int64_t>(it->second.i + rank, 0) : std::min(it->second.i, rank);
      for (int64_t i = 0; i < out.shape[0]; ++i) values.push_back(in.shape[static_cast<size_t>(begin + i)]);
    }
    out.value = std::make_shared<const TensorData>(TensorData::from_int64s(DType::int64, out.shape, values));
    return true;
  }
  // An Identity of a weight shares it: exporters write these for tied weights.
  if (node.op == OpKind::Identity || node.op == OpKind::Dropout) {
    const Tensor& in = graph.tensor(node.inputs.at(0));
    if (!in.value) return false;
    out.value = in.value;
    return true;
  }

  // Values are rebuilt from numbers; half-precision outputs are left to run time.
  if (out.dtype == DType::float16 || out.dtype == DType::bfloat16 || out.dtype == DType::string) return false;
  std::vector<Values> in;
  for (TensorId t : node.inputs) {
    if (t == no_tensor) {
      in.emplace_back();
      continue;
    }
    const Tensor& tensor = graph.tensor(t);
    if (!tensor.value || tensor.value->element_count() > max_elements || tensor.dtype == DType::string) return false;
    in.push_back(Values::of(*tensor.value));
  }
  if (count_of(out.shape) > max_elements) return false;

  const bool integral_out = !is_floating(out.dtype);
  auto attr_int = [&](const char* name, int64_t fallback) {
    auto it = node.attributes.find(name);
    return it == node.attributes.end() ? fallback : it->second.i;
  };
  using Args = const std::vector<int64_t>&;
  using Reals = const std::vector<double>&;
  using Pair = std::pair<int64_t, double>;
  const bool ints_in = !in.empty() && in[0].integral;
  Values result;
  bool folded = true;
  switch (node.op) {
    case OpKind::Add:
      result = elementwise(in, out.shape, integral_out, [&](Args i, Reals r) { return ints_in ? Pair{i[0] + i[1], 0} : Pair{0, r[0] + r[1]}; });
      break;
    case OpKind::Sub:
      result = elementwise(in, out.shape, integral_out, [&](Args i, Reals r) { return ints_in ? Pair{i[0] - i[1], 0} : Pair{0, r[0] - r[1]}; });
      break;
    case OpKind::Mul:
      result = elementwise(in, out.shape, integral_out, [&](Args i, Reals r) { return ints_in ? Pair{i[0] * i[1], 0} : Pair{0, r[0] * r[1]}; });
      break;
    case OpKind::Div:
      for (size_t k = 0; k < in[1].size(); ++k)
        if (ints_in && in[1].ints[k] == 0) return false;  // leave a run-time division by zero to run time
      result = elementwise(in, out.shape, integral_out, [&](Args i, Reals r) {
        // ONNX integer Div truncates toward zero like C++ (numpy would floor).
        return ints_in ? Pair{i[0] / i[1], 0} : Pair{0, r[0] / r[1]};
      });
      break;
    case OpKind::Neg:
      result = elementwise(in, out.shape, integral_out, [&](Args i, Reals r) { return Pair{-i[0], -r[0]}; });
      break;
    case OpKind::Abs:
      result = elementwise(in, out.shape, integral_out, [&](Args i, Reals r) { return Pair{i[0] < 0 ? -i[0] : i[0], std::fabs(r[0])}; });
      break;
    case OpKind::Sqrt:
      result = elementwise(in, out.shape, integral_out, [&](Args, Reals r) { return Pair{0, std::sqrt(r[0])}; });
      break;
    case OpKind::Equal:
      result = elementwise(in, out.shape, true, [&](Args i, Reals r) { return Pair{ints_in ? i[0] == i[1] : r[0] == r[1], 0}; });
      break;
    case OpKind::Less:
      result = elementwise(in, out.shape, true, [&](Args i, Reals r) { return Pair{ints_in ? i[0] < i[1] : r[0] < r[1], 0}; });
      break;
    case OpKind::Greater:
      result = elementwise(in, out.shape, true, [&](Args i, Reals r) { return Pair{ints_in ? i[0] > i[1] : r[0] > r[1], 0}; });
      break;
    case OpKind::Not:
      result = elementwise(in, out.shape, true, [&](Args i, Reals) { return Pair{i[0] == 0, 0}; });
      break;
    case OpKind::And:
      result = elementwise(in, out.shape, true, [&](Args i, Reals) { return Pair{i[0] != 0 && i[1] != 0, 0}; });
      break;
    case OpKind::Where:
      result = elementwise(in, out.shape, integral_out, [&](Args i, Reals r) {
        return i[0] != 0 ? Pair{i[1], r[1]} : Pair{i[2], r[2]};
      });
      break;
    case OpKind::Cast:
      result = elementwise({in[0]}, out.shape, integral_out, [&](Args i, Reals r) {
        const double v = r[0];
        const int64_t as_int = in[0].integral ? i[0] : (!(v > -9.2e18 && v < 9.2e18) ? 0 : static_cast<int64_t>(v));
        return Pair{out.dtype == DType::boolean ? (r[0] != 0) : as_int, r[0]};
      });
      break;
    case OpKind::Reshape:
    case OpKind::Flatten:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
      result = in[0];  // same elements, new dims
      break;
    case OpKind::Expand:
      result = gather_elements(in[0], out.shape, [&](int64_t i) { return broadcast_index(i, out.shape, in[0].dims); });
      break;
    case OpKind::ConstantOfShape: {
      auto it = node.attributes.find("value");
      Values fill;
      if (it != node.attributes.end() && it->second.tensor) fill = Values::of(*it->second.tensor);
      else fill = Values{DType::float32, {1}, false, {}, {0.0}};
      fill.dims = {1};
      result = gather_elements(fill, out.shape, [](int64_t) { return 0; });
      break;
    }
    case OpKind::Range: {
      result.integral = integral_out;
      const int64_t n = out.shape[0];
      for (int64_t k = 0; k < n; ++k) {
        if (integral_out) result.ints.push_back(in[0].ints[0] + k * in[2].ints[0]);
        else result.reals.push_back(in[0].real(0) + static_cast<double>(k) * in[2].real(0));
      }
      break;
    }
    case OpKind::Gather: {
      const auto& data = in[0].dims;
      const auto rank = static_cast<int64_t>(data.size());
      int64_t axis = attr_int("axis", 0);
      if (axis < 0) axis += rank;
      const auto a = static_cast<size_t>(axis);
      int64_t inner = 1;
      for (size_t d = a + 1; d < data.size(); ++d) inner *= data[d];
      const int64_t index_count = static_cast<int64_t>(in[1].ints.size());
      for (int64_t idx : in[1].ints)
        if (idx < -data[a] || idx >= data[a]) return false;  // out of range: let the kernel report it
      result = gather_elements(in[0], out.shape, [&](int64_t i) {
        const int64_t within = i % inner;
        const int64_t k = i / inner % index_count;
        const int64_t outer = i / inner / index_count;
        int64_t idx = in[1].ints[static_cast<size_t>(k)];
        if (idx < 0) idx += data[a];
        return (outer * data[a] + idx) * inner + within;
      });
      break;
    }
    case OpKind::Concat: {
      const auto rank = static_cast<int64_t>(out.shape.size());
      int64_t axis = attr_int("axis", 0);
      if (axis < 0) axis += rank;
      const auto a = static_cast<size_t>(axis);
      int64_t inner = 1;
      for (size_t d = a + 1; d < out.shape.size(); ++d) inner *= out.shape[d];
      result.integral = in[0].integral;
      const int64_t outer = count_of({out.shape.begin(), out.shape.begin() + axis});
      for (int64_t o = 0; o < outer; ++o) {
        for (const Values& part : in) {
          const int64_t block = part.dims[a] * inner;
          for (int64_t j = 0; j < block; ++j) {
            const auto src = static_cast<size_t>(o * block + j);
            if (result.integral) result.ints.push_back(part.ints[src]);
            else result.reals.push_back(part.reals[src]);
          }
        }
      }
      break;
    }
    case OpKind::Slice: {
      if (in[0].dims.size() != 1) return false;  // shape paths slice 1-D shape vectors
      const int64_t dim = in[0].dims[0];
      const int64_t step = in.size() > 4 && !in[4].ints.empty() ? in[4].ints[0] : 1;
      int64_t start = in[1].ints.at(0);
      start = start < 0 ? std::max(start + dim, step > 0 ? int64_t{0} : int64_t{-1}) : std::min(start, step > 0 ? dim : dim - 1);
      result = gather_elements(in[0], out.shape, [&](int64_t i) { return start + i * step; });
      break;
    }
    default:
      folded = false;
  }
  if (!folded) return false;
  if (result.size() != static_cast<size_t>(count_of(out.shape)))
    throw Error(ErrorKind::internal, "constant folding of node '" + node.name + "' produced the wrong element count");
  out.value = std::make_shared<const TensorData>(to_tensor(out.dtype, out.shape, result));
  return true;
}

}  // namespace ir
