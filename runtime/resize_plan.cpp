#include "runtime/resize_plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace runtime {

namespace {

// Source coordinate of output index x along one axis (ONNX's coordinate_transformation_mode).
double source_coordinate(const std::string& mode, double x, double scale, int64_t in_len, int64_t out_len, double roi_start,
                         double roi_end) {
  // The resized length is scale * in, not the rounded output size: with scales given they
  // differ, and ONNX's reference (and onnxruntime) use the unrounded one.
  const auto in = static_cast<double>(in_len), out = scale * in;
  if (mode == "align_corners") return out == 1 ? 0.0 : x * (in - 1) / (out - 1);
  if (mode == "asymmetric") return x / scale;
  if (mode == "tf_crop_and_resize") {
    // roi is a float tensor: its difference and its start * (in - 1) are rounded to float as
    // the reference computes them, so nearest's ties land on the same side.
    const double start = static_cast<float>(roi_start) * static_cast<float>(in_len - 1);
    const double span = static_cast<float>(roi_end) - static_cast<float>(roi_start);
    return out == 1 ? start + span * (in - 1) / 2 : x * span * (in - 1) / (out - 1) + start;
  }
  if (mode == "pytorch_half_pixel") return out == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (mode == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (mode == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out_len) / out;
    const double offset = in / 2 * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  return (x + 0.5) / scale - 0.5;  // half_pixel
}

// Weights of the taps around a coordinate whose distance to the tap left of it is `ratio`
// (in (0, 1]), as onnx/reference/ops/op_resize.py defines them.
std::vector<double> tap_weights(const std::string& mode, bool antialias, double ratio, double scale, double a) {
  if (mode == "linear") {
    if (!antialias) return {1 - ratio, ratio};
    const double s = std::min(scale, 1.0);
    const auto start = static_cast<int64_t>(std::floor(-1 / s) + 1);
    const int64_t footprint = 2 - 2 * start;
    std::vector<double> w;
    double sum = 0;
    for (int64_t i = start; i < start + footprint; ++i) {
      w.push_back(std::clamp(1 - std::abs((static_cast<double>(i) - ratio) * s), 0.0, 1.0));
      sum += w.back();
    }
    for (double& v : w) v /= sum;
    return w;
  }
  if (!antialias) {
    const double r1 = ratio + 1, q = 1 - ratio, q1 = q + 1;
    return {((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a, ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
            ((a + 2) * q - (a + 3)) * q * q + 1, ((a * q1 - 5 * a) * q1 + 8 * a) * q1 - 4 * a};
  }
  const double s = std::min(scale, 1.0);
  auto cubic = [a](double x) {
    x = std::abs(x);
    if (x <= 1) return (a + 2) * x * x * x - (a + 3) * x * x + 1;
    if (x < 2) return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
    return 0.0;
  };
  const auto start = static_cast<int64_t>(std::floor(-2 / s) + 1);
  std::vector<double> w;
  double sum = 0;
  for (int64_t i = start; i < 2 - start; ++i) {
    w.push_back(cubic(s * (static_cast<double>(i) - ratio)));
    sum += w.back();
  }
  for (double& v : w) v /= sum;
  return w;
}

struct ResizeParams {
  std::string mode, transform, nearest_mode;
  double cubic_a = -0.75;
  bool exclude_outside = false, antialias = false;
};

AxisTaps make_taps(const ResizeParams& p, size_t dim, int64_t in_len, int64_t out_len, double scale, double roi_start, double roi_end) {
  AxisTaps t;
  t.dim = dim;
  t.in_len = in_len;
  t.out_len = out_len;
  const bool nearest = p.mode == "nearest";
  for (int64_t j = 0; j < out_len; ++j) {
    const double x = source_coordinate(p.transform, static_cast<double>(j), scale, in_len, out_len, roi_start, roi_end);
    const bool outside = p.transform == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(in_len - 1));
    t.extrapolate.push_back(outside ? 1 : 0);
    const double floor_x = std::floor(x);
    const auto p_index = static_cast<int64_t>(floor_x);
    const bool integral = floor_x == x;
    const double ratio = integral ? 1.0 : x - floor_x;
    if (nearest) {
      int64_t pick = integral ? p_index : p_index + 1;
      if (!integral) {
        if (p.nearest_mode == "round_prefer_ceil") pick = ratio < 0.5 ? p_index : p_index + 1;
        else if (p.nearest_mode == "floor") pick = p_index;
        else if (p.nearest_mode == "ceil") pick = p_index + 1;
        else pick = ratio <= 0.5 ? p_index : p_index + 1;  // round_prefer_floor
      }
      t.index.push_back(std::clamp<int64_t>(pick, 0, in_len - 1));
      continue;
    }
    std::vector<double> w = tap_weights(p.mode, p.antialias, ratio, scale, p.cubic_a);
    const auto n = static_cast<int64_t>(w.size());
    t.width = n;
    // The n taps nearest x, preferring the lower ones (the reference's edge-padded window).
    const int64_t start = integral ? p_index - n / 2 : p_index - n / 2 + 1;
    if (p.exclude_outside) {
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        if (start + k < 0 || start + k >= in_len) w[static_cast<size_t>(k)] = 0;
        sum += w[static_cast<size_t>(k)];
      }
      if (sum != 0)
        for (double& v : w) v /= sum;
    }
    for (int64_t k = 0; k < n; ++k) {
      t.index.push_back(std::clamp<int64_t>(start + k, 0, in_len - 1));
      t.weight.push_back(static_cast<float>(w[static_cast<size_t>(k)]));
    }
  }
  return t;
}

// True when the axis maps every output index onto the same input index with weight 1.
bool is_identity(const AxisTaps& t) {
  if (t.in_len != t.out_len) return false;
  for (int64_t j = 0; j < t.out_len; ++j) {
    if (t.extrapolate[static_cast<size_t>(j)]) return false;
    for (int64_t k = 0; k < t.width; ++k) {
      const auto at = static_cast<size_t>(j * t.width + k);
      const float w = t.weight.empty() ? 1.0f : t.weight[at];
      if (w != 0 && (t.index[at] != j || w != 1)) return false;
    }
  }
  return true;
}

// The extrapolation value's bytes in the element type (8 bytes, low ones used).
uint64_t value_bits(ir::DType dtype, double v) {
  uint64_t bits = 0;
  auto put = [&](auto x) { std::memcpy(&bits, &x, sizeof(x)); };
  switch (dtype) {
    case ir::DType::float32: put(static_cast<float>(v)); break;
    case ir::DType::float64: put(v); break;
    case ir::DType::int8: put(static_cast<int8_t>(v)); break;
    case ir::DType::uint8: put(static_cast<uint8_t>(v)); break;
    case ir::DType::int16: put(static_cast<int16_t>(v)); break;
    case ir::DType::uint16: put(static_cast<uint16_t>(v)); break;
    case ir::DType::int32: put(static_cast<int32_t>(v)); break;
    case ir::DType::uint32: put(static_cast<uint32_t>(v)); break;
    case ir::DType::int64: put(static_cast<int64_t>(v)); break;
    case ir::DType::uint64: put(static_cast<uint64_t>(v)); break;
    case ir::DType::boolean: put(static_cast<uint8_t>(v != 0)); break;
    default: break;
  }
  return bits;
}

}  // namespace

std::pair<int64_t, int64_t> blocks_around(const AxisTaps& t, const std::vector<int64_t>& in_shape) {
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < t.dim; ++d) outer *= in_shape[d];
  for (size_t d = t.dim + 1; d < in_shape.size(); ++d) inner *= in_shape[d];
  return {outer, inner};
}

ResizePlan resize_plan(const ir::Graph& graph, const ir::Node& node) {
  ResizePlan plan;
  if (graph.opset != 0 && graph.opset < 11) unsupported(node, "Resize before opset 11 (X, scales) is not supported");
  const ir::Tensor& x = input_info(graph, node, 0);
  plan.dtype = x.dtype;
  plan.in_shape = x.shape;
  plan.out_shape = output_info(graph, node, 0).shape;
  const size_t rank = plan.in_shape.size();
  for (size_t d = 0; d < rank; ++d)
    if (plan.in_shape[d] == 0 && plan.out_shape[d] > 0) unsupported(node, "resizing an empty axis to a non-empty one");

  ResizeParams p;
  p.mode = attr_string(node, "mode", "nearest");
  p.transform = attr_string(node, "coordinate_transformation_mode", "half_pixel");
  p.nearest_mode = attr_string(node, "nearest_mode", "round_prefer_floor");
  p.cubic_a = attr_float(node, "cubic_coeff_a", -0.75f);
  p.exclude_outside = attr_int(node, "exclude_outside", 0) != 0;
  p.antialias = attr_int(node, "antialias", 0) != 0 && p.mode != "nearest";
  const double extrapolation = attr_float(node, "extrapolation_value", 0.0f);
  const std::string policy = attr_string(node, "keep_aspect_ratio_policy", "stretch");
  if (p.mode != "nearest" && p.mode != "linear" && p.mode != "cubic") unsupported(node, "mode '" + p.mode + "' is not supported");
  static const char* transforms[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                                     "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn"};
  if (std::find(std::begin(transforms), std::end(transforms), p.transform) == std::end(transforms))
    unsupported(node, "coordinate_transformation_mode '" + p.transform + "' is not supported");
  static const char* nearest_modes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  if (std::find(std::begin(nearest_modes), std::end(nearest_modes), p.nearest_mode) == std::end(nearest_modes))
    unsupported(node, "nearest_mode '" + p.nearest_mode + "' is not supported");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    unsupported(node, "keep_aspect_ratio_policy '" + policy + "' is not supported");
  plan.nearest = p.mode == "nearest";
  if (plan.nearest ? ir::dtype_size_bytes(plan.dtype) == 0 : plan.dtype != ir::DType::float32 && plan.dtype != ir::DType::float64)
    unsupported(node, p.mode + " Resize of " + std::string(ir::dtype_name(plan.dtype)) + " is not supported");
  if (plan.nearest && p.transform == "tf_crop_and_resize" && (plan.dtype == ir::DType::float16 || plan.dtype == ir::DType::bfloat16))
    unsupported(node, "tf_crop_and_resize extrapolation into float16/bfloat16 is not supported");
  plan.extrapolation_bits = value_bits(plan.dtype, extrapolation);

  std::vector<int64_t> axes = attr_ints(node, "axes");
  for (int64_t& a : axes) {
    if (a < -static_cast<int64_t>(rank) || a >= static_cast<int64_t>(rank)) unsupported(node, "axis out of range");
    if (a < 0) a += static_cast<int64_t>(rank);
  }
  if (axes.empty())
    for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));

  auto constant = [&](size_t i) -> const ir::TensorData* {
    if (!node.has_input(i)) return nullptr;
    const ir::Tensor& t = input_info(graph, node, i);
    return t.value && t.value->element_count() > 0 ? t.value.get() : nullptr;
  };
  std::vector<double> scale(rank, 1.0);
  if (const ir::TensorData* sizes = constant(3)) {
    const auto values = sizes->to_int64s();
    if (values.size() != axes.size()) unsupported(node, "sizes does not match the axes");
    for (size_t i = 0; i < axes.size(); ++i) {
      const auto d = static_cast<size_t>(axes[i]);
      scale[d] = static_cast<double>(values[i]) / static_cast<double>(plan.in_shape[d]);
    }
    if (policy != "stretch") {
      double s = policy == "not_larger" ? 1e300 : 0.0;
      for (int64_t a : axes) s = policy == "not_larger" ? std::min(s, scale[static_cast<size_t>(a)]) : std::max(s, scale[static_cast<size_t>(a)]);
      for (int64_t a : axes) scale[static_cast<size_t>(a)] = s;
    }
  } else if (const ir::TensorData* scales = constant(2)) {
    const auto values = scales->to_doubles();
    if (values.size() != axes.size()) unsupported(node, "scales does not match the axes");
    for (size_t i = 0; i < axes.size(); ++i) scale[static_cast<size_t>(axes[i])] = values[i];
  } else {
    unsupported(node, "needs constant 'scales' or 'sizes'");
  }
  for (int64_t a : axes)
    if (!(scale[static_cast<size_t>(a)] > 0)) unsupported(node, "scales must be positive");

  std::vector<double> roi_start(rank, 0.0), roi_end(rank, 1.0);
  if (p.transform == "tf_crop_and_resize") {
    if (node.has_input(1) && !input_info(graph, node, 1).value) unsupported(node, "tf_crop_and_resize needs a constant roi");
    if (const ir::TensorData* roi = constant(1)) {
      const auto values = roi->to_doubles();
      const size_t n = values.size() / 2;
      if (values.size() != 2 * axes.size() && values.size() != 2 * rank) unsupported(node, "roi does not match the axes");
      for (size_t i = 0; i < n; ++i) {
        const size_t d = n == axes.size() ? static_cast<size_t>(axes[i]) : i;
        roi_start[d] = values[i];
        roi_end[d] = values[i + n];
      }
    }
  }

  std::vector<int64_t> shape = plan.in_shape;
  int64_t largest = 0;
  for (size_t d = 0; d < rank; ++d) {
    AxisTaps t = make_taps(p, d, plan.in_shape[d], plan.out_shape[d], scale[d], roi_start[d], roi_end[d]);
    if (is_identity(t)) continue;
    shape[d] = plan.out_shape[d];
    largest = std::max(largest, element_count(shape));
    plan.passes.push_back(std::move(t));
  }
  plan.largest_intermediate = largest;
  return plan;
}

}  // namespace runtime
