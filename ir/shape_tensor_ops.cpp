// Shape functions for ops that move or reshape data without arithmetic. Many read a
// second input as a constant (Reshape's shape, Slice's starts...), which is why shape
// resolution folds shape-computing subgraphs first (ir/constant_folding.cpp).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ir/shape_context.h"

namespace ir {

namespace {

int64_t product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

// Axes from an attribute (older opsets) or from input `input_index` (newer), normalized.
std::vector<int64_t> axes_from_attr_or_input(ShapeContext& ctx, size_t input_index, int64_t rank) {
  std::vector<int64_t> axes = ctx.has_input(input_index) ? ctx.input_ints(input_index, "axes") : ctx.attr_ints("axes");
  for (int64_t& a : axes) a = ctx.normalize_axis(a, rank, "axis");
  return axes;
}

}  // namespace

void infer_constant(ShapeContext& ctx) {
  const Attribute* value = ctx.attr("value");
  if (value != nullptr && value->tensor) {
    ctx.set_output(0, value->tensor->dtype, value->tensor->dims);
  } else if (ctx.has_attr("value_float")) {
    ctx.set_output(0, DType::float32, {});
  } else if (ctx.has_attr("value_int")) {
    ctx.set_output(0, DType::int64, {});
  } else if (const Attribute* floats = ctx.attr("value_floats")) {
    ctx.set_output(0, DType::float32, {static_cast<int64_t>(floats->floats.size())});
  } else if (const Attribute* ints = ctx.attr("value_ints")) {
    ctx.set_output(0, DType::int64, {static_cast<int64_t>(ints->ints.size())});
  } else {
    ctx.fail("has no value attribute partplan understands");
  }
}

void infer_constant_of_shape(ShapeContext& ctx) {
  const Attribute* value = ctx.attr("value");
  const DType dtype = value != nullptr && value->tensor ? value->tensor->dtype : DType::float32;
  ctx.set_output(0, dtype, ctx.input_ints(0, "shape"));
}

void infer_shape_of(ShapeContext& ctx) {
  const int64_t rank = ctx.input_rank(0);
  int64_t start = ctx.attr_int("start", 0);
  int64_t end = ctx.attr_int("end", rank);
  start = std::clamp(start < 0 ? start + rank : start, int64_t{0}, rank);
  end = std::clamp(end < 0 ? end + rank : end, int64_t{0}, rank);
  ctx.set_output(0, DType::int64, {std::max<int64_t>(end - start, 0)});
}

void infer_size(ShapeContext& ctx) { ctx.set_output(0, DType::int64, {}); }

void infer_range(ShapeContext& ctx) {
  auto scalar = [&](size_t i, const char* role) {
    const TensorData* v = ctx.input_value(i);
    if (v == nullptr || v->element_count() != 1) ctx.fail(std::string("input '") + role + "' must be a constant scalar");
    return v->to_doubles()[0];
  };
  const double start = scalar(0, "start"), limit = scalar(1, "limit"), delta = scalar(2, "delta");
  if (delta == 0) ctx.fail("delta is zero");
  const double count = std::ceil((limit - start) / delta);
  if (!(count < 1e15)) ctx.fail("range has too many elements");
  ctx.set_output(0, ctx.input_dtype(0), {std::max<int64_t>(static_cast<int64_t>(count), 0)});
}

void infer_expand(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input_dtype(0), broadcast_shapes(ctx, ctx.input_shape(0), ctx.input_ints(1, "shape")));
}

void infer_tile(ShapeContext& ctx) {
  auto shape = ctx.input_shape(0);
  const auto repeats = ctx.input_ints(1, "repeats");
  if (repeats.size() != shape.size()) ctx.fail("repeats has " + std::to_string(repeats.size()) + " entries for rank " + std::to_string(shape.size()));
  for (size_t i = 0; i < shape.size(); ++i) {
    if (repeats[i] < 0 || __builtin_mul_overflow(shape[i], repeats[i], &shape[i])) ctx.fail("invalid repeat " + std::to_string(repeats[i]));
  }
  ctx.set_output(0, ctx.input_dtype(0), shape);
}

void infer_gather(ShapeContext& ctx) {
  const auto& data = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(data.size());
  if (rank == 0) ctx.fail("data must have rank >= 1");
  const auto axis = static_cast<size_t>(ctx.normalize_axis(ctx.attr_int("axis", 0), rank, "axis"));
  std::vector<int64_t> out(data.begin(), data.begin() + static_cast<ptrdiff_t>(axis));
  const auto& indices = ctx.input_shape(1);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.begin() + static_cast<ptrdiff_t>(axis) + 1, data.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_slice(ShapeContext& ctx) {
  auto shape = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(shape.size());
  const auto starts = ctx.input_ints(1, "starts");
  const auto ends = ctx.input_ints(2, "ends");
  if (starts.size() != ends.size()) ctx.fail("starts and ends differ in length");
  std::vector<int64_t> axes(starts.size());
  if (ctx.has_input(3)) {
    axes = ctx.input_ints(3, "axes");
  } else {
    std::iota(axes.begin(), axes.end(), 0);
  }
  std::vector<int64_t> steps(starts.size(), 1);
  if (ctx.has_input(4)) steps = ctx.input_ints(4, "steps");
  if (axes.size() != starts.size() || steps.size() != starts.size()) ctx.fail("starts, ends, axes and steps differ in length");
  for (size_t i = 0; i < starts.size(); ++i) {
    const auto axis = static_cast<size_t>(ctx.normalize_axis(axes[i], rank, "axis"));
    const int64_t dim = shape[axis];
    const int64_t step = steps[i];
    if (step == 0 || step == INT64_MIN) ctx.fail("invalid step " + std::to_string(step));
    int64_t start = starts[i] < 0 ? std::max(starts[i], -dim) + dim : starts[i];
    int64_t end = ends[i] < 0 ? std::max(ends[i], -dim - 1) + dim : ends[i];
    int64_t length;
    if (step > 0) {
      start = std::clamp(start, int64_t{0}, dim);
      end = std::clamp(end, int64_t{0}, dim);
      length = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp(start, int64_t{0}, dim - 1);
      end = std::clamp(end, int64_t{-1}, dim - 1);
      length = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
    shape[axis] = length;
  }
  ctx.set_output(0, ctx.input_dtype(0), shape);
}

void infer_split(ShapeContext& ctx) {
  const auto& shape = ctx.input_shape(0);
  const auto axis = static_cast<size_t>(ctx.normalize_axis(ctx.attr_int("axis", 0), static_cast<int64_t>(shape.size()), "axis"));
  std::vector<int64_t> sizes;
  if (ctx.has_input(1)) {
    sizes = ctx.input_ints(1, "split");
  } else if (ctx.has_attr("split")) {
    sizes = ctx.attr_ints("split");
  } else {
    const auto parts = ctx.has_attr("num_outputs") ? ctx.attr_int("num_outputs", 1) : static_cast<int64_t>(ctx.output_count());
    if (parts <= 0 || parts != static_cast<int64_t>(ctx.output_count()))
      ctx.fail("cannot split into " + std::to_string(parts) + " parts: the node has " + std::to_string(ctx.output_count()) + " outputs");
    const int64_t chunk = (shape[axis] + parts - 1) / parts;  // the last part takes what remains
    for (int64_t p = 0; p < parts; ++p) sizes.push_back(std::max<int64_t>(std::min(chunk, shape[axis] - p * chunk), 0));
  }
  if (sizes.size() != ctx.output_count()) ctx.fail("split has " + std::to_string(sizes.size()) + " sizes for " + std::to_string(ctx.output_count()) + " outputs");
  int64_t total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto out = shape;
    out[axis] = sizes[i];
    total += sizes[i];
    ctx.set_output(i, ctx.input_dtype(0), out);
  }
  if (total != shape[axis]) ctx.fail("split sizes sum to " + std::to_string(total) + ", dimension is " + std::to_string(shape[axis]));
}

void infer_concat(ShapeContext& ctx) {
  auto out = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(out.size());
  const auto axis = static_cast<size_t>(ctx.normalize_axis(ctx.attr_int("axis", 0), rank, "axis"));
  for (size_t i = 1; i < ctx.input_count(); ++i) {
    const auto& s = ctx.input_shape(i);
    if (static_cast<int64_t>(s.size()) != rank) ctx.fail("inputs differ in rank");
    for (size_t d = 0; d < s.size(); ++d) {
      if (d == axis) continue;
      if (s[d] != out[d]) ctx.fail("input " + std::to_string(i) + " differs in dimension " + std::to_string(d));
    }
    if (__builtin_add_overflow(out[axis], s[axis], &out[axis])) ctx.fail("concatenated dimension overflows 64 bits");
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_reshape(ShapeContext& ctx) {
  const auto& in = ctx.input_shape(0);
  auto target = ctx.input_ints(1, "shape");
  const bool allow_zero = ctx.attr_int("allowzero", 0) != 0;
  int64_t known = 1;
  int infer_at = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allow_zero) {
      if (i >= in.size()) ctx.fail("shape copies dimension " + std::to_string(i) + " that the input lacks");
      target[i] = in[i];
    }
    if (target[i] == -1) {
      if (infer_at >= 0) ctx.fail("shape has more than one -1");
      infer_at = static_cast<int>(i);
    } else if (target[i] < 0) {
      ctx.fail("shape has invalid dimension " + std::to_string(target[i]));
    } else if (__builtin_mul_overflow(known, target[i], &known)) {
      ctx.fail("shape overflows 64 bits");
    }
  }
  const int64_t total = product(in, 0, in.size());
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) ctx.fail("cannot infer -1: " + std::to_string(total) + " elements into blocks of " + std::to_string(known));
    target[static_cast<size_t>(infer_at)] = total / known;
  } else if (known != total) {
    ctx.fail("shape holds " + std::to_string(known) + " elements, input has " + std::to_string(total));
  }
  ctx.set_output(0, ctx.input_dtype(0), target);
}

void infer_flatten(ShapeContext& ctx) {
  const auto& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  int64_t axis = ctx.attr_int("axis", 1);
  if (axis < -rank || axis > rank) ctx.fail("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  const auto split = static_cast<size_t>(axis);
  ctx.set_output(0, ctx.input_dtype(0), {product(in, 0, split), product(in, split, in.size())});
}

void infer_squeeze(ShapeContext& ctx) {
  const auto& in = ctx.input_shape(0);
  const auto axes = axes_from_attr_or_input(ctx, 1, static_cast<int64_t>(in.size()));
  std::vector<int64_t> out;
  for (size_t d = 0; d < in.size(); ++d) {
    const bool listed = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (listed && in[d] != 1) ctx.fail("cannot squeeze dimension " + std::to_string(d) + " of size " + std::to_string(in[d]));
    if (listed || (axes.empty() && in[d] == 1)) continue;
    out.push_back(in[d]);
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_unsqueeze(ShapeContext& ctx) {
  const auto& in = ctx.input_shape(0);
  std::vector<int64_t> axes = ctx.has_input(1) ? ctx.input_ints(1, "axes") : ctx.attr_ints("axes");
  const auto out_rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : axes) {
    const auto axis = static_cast<size_t>(ctx.normalize_axis(a, out_rank, "axis"));
    if (inserted[axis]) ctx.fail("axis " + std::to_string(a) + " repeated");
    inserted[axis] = true;
  }
  std::vector<int64_t> out;
  size_t next = 0;
  for (size_t d = 0; d < inserted.size(); ++d) out.push_back(inserted[d] ? 1 : in[next++]);
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_transpose(ShapeContext& ctx) {
  const auto& in = ctx.input_shape(0);
  auto perm = ctx.attr_ints("perm");
  if (perm.empty()) {
    for (size_t i = 0; i < in.size(); ++i) perm.push_back(static_cast<int64_t>(in.size() - 1 - i));
  }
  if (perm.size() != in.size()) ctx.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(in.size()));
  std::vector<int64_t> out;
  std::vector<bool> used(in.size(), false);
  for (int64_t p : perm) {
    const auto axis = static_cast<size_t>(ctx.normalize_axis(p, static_cast<int64_t>(in.size()), "perm entry"));
    if (used[axis]) ctx.fail("perm repeats axis " + std::to_string(p));
    used[axis] = true;
    out.push_back(in[axis]);
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_pad(ShapeContext& ctx) {
  auto shape = ctx.input_shape(0);
  const auto rank = static_cast<int64_t>(shape.size());
  const auto pads = ctx.has_input(1) ? ctx.input_ints(1, "pads") : ctx.attr_ints("pads");
  std::vector<int64_t> axes(static_cast<size_t>(rank));
  std::iota(axes.begin(), axes.end(), 0);
  if (ctx.has_input(3)) axes = axes_from_attr_or_input(ctx, 3, rank);
  if (pads.size() != 2 * axes.size()) ctx.fail("pads has " + std::to_string(pads.size()) + " entries, expected " + std::to_string(2 * axes.size()));
  for (size_t i = 0; i < axes.size(); ++i) {
    auto& d = shape[static_cast<size_t>(axes[i])];
    const int64_t begin = pads[i], end = pads[i + axes.size()];
    if (std::abs(begin) > (int64_t{1} << 40) || std::abs(end) > (int64_t{1} << 40)) ctx.fail("pads too large");
    d += begin + end;
  }
  ctx.set_output(0, ctx.input_dtype(0), shape);
}

void infer_resize(ShapeContext& ctx) {
  auto shape = ctx.input_shape(0);
  const auto rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> axes = ctx.attr_ints("axes");
  for (int64_t& a : axes) a = ctx.normalize_axis(a, rank, "axis");
  if (axes.empty()) {
    axes.resize(static_cast<size_t>(rank));
    std::iota(axes.begin(), axes.end(), 0);
  }
  const TensorData* sizes = ctx.input_value(3);
  if (sizes != nullptr && sizes->element_count() > 0) {
    const auto values = sizes->to_int64s();
    if (values.size() != axes.size()) ctx.fail("sizes has " + std::to_string(values.size()) + " entries for " + std::to_string(axes.size()) + " axes");
    const std::string policy = ctx.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      for (size_t i = 0; i < axes.size(); ++i) shape[static_cast<size_t>(axes[i])] = values[i];
    } else {
      // One scale for all axes: the largest that fits (not_larger) or the smallest that covers (not_smaller).
      double scale = policy == "not_larger" ? 1e300 : 0.0;
      for (size_t i = 0; i < axes.size(); ++i) {
        const double ratio = static_cast<double>(values[i]) / static_cast<double>(std::max<int64_t>(shape[static_cast<size_t>(axes[i])], 1));
        scale = policy == "not_larger" ? std::min(scale, ratio) : std::max(scale, ratio);
      }
      for (int64_t a : axes) {
        auto& d = shape[static_cast<size_t>(a)];
        const double scaled = std::round(static_cast<double>(d) * scale);
        if (!std::isfinite(scaled) || scaled < 0 || scaled > 9e18) ctx.fail("sizes give no valid scale");
        d = static_cast<int64_t>(scaled);
      }
    }
  } else {
    const TensorData* scales = ctx.input_value(2);
    if (scales == nullptr) ctx.fail("needs constant 'scales' or 'sizes'");
    const auto values = scales->to_doubles();
    if (values.size() != axes.size()) ctx.fail("scales has " + std::to_string(values.size()) + " entries for " + std::to_string(axes.size()) + " axes");
    for (size_t i = 0; i < axes.size(); ++i) {
      auto& d = shape[static_cast<size_t>(axes[i])];
      const double scaled = std::floor(static_cast<double>(d) * values[i]);
      if (!std::isfinite(scaled) || scaled < 0 || scaled > 9e18) ctx.fail("scale " + std::to_string(values[i]) + " gives no valid size");
      d = static_cast<int64_t>(scaled);
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), shape);
}

}  // namespace ir
