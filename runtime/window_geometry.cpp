#include "runtime/window_geometry.h"

#include <algorithm>

namespace runtime {

namespace {
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }
}  // namespace

std::vector<int64_t> ints_or(const ir::Node& node, const std::string& name, size_t count, int64_t fallback) {
  auto values = attr_ints(node, name);
  if (values.empty()) return std::vector<int64_t>(count, fallback);
  if (values.size() != count) unsupported(node, "attribute '" + name + "' has " + std::to_string(values.size()) + " entries");
  return values;
}

PoolGeometry pool_geometry(const ir::Node& node, const std::vector<int64_t>& x, const std::vector<int64_t>& y) {
  const size_t n = x.size() - 2;
  PoolGeometry g;
  g.kernel = attr_ints(node, "kernel_shape");
  if (g.kernel.size() != n) unsupported(node, "kernel_shape has " + std::to_string(g.kernel.size()) + " entries");
  g.strides = ints_or(node, "strides", n, 1);
  g.dilations = ints_or(node, "dilations", n, 1);
  g.pads = ints_or(node, "pads", 2 * n, 0);
  g.auto_pad = attr_string(node, "auto_pad", "NOTSET");
  g.pad_l.assign(n, 0);
  g.pad_r.assign(n, 0);
  g.counted_pad_r.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t window = (g.kernel[i] - 1) * g.dilations[i] + 1;
    const int64_t in = x[i + 2], out = y[i + 2];
    if (g.auto_pad == "SAME_UPPER" || g.auto_pad == "SAME_LOWER") {
      const int64_t total = std::max<int64_t>(0, (out - 1) * g.strides[i] + window - in);
      g.pad_l[i] = g.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pad_r[i] = total - g.pad_l[i];
      g.counted_pad_r[i] = g.pad_r[i];
    } else if (g.auto_pad != "VALID") {
      g.pad_l[i] = g.pads[i];
      // ceil_mode's last window may run past the end padding; neither max nor the average
      // counts those positions.
      g.pad_r[i] = std::max(g.pads[i + n], (out - 1) * g.strides[i] + window - in - g.pad_l[i]);
      g.counted_pad_r[i] = g.pads[i + n];
    }
  }
  g.count_include_pad = attr_int(node, "count_include_pad", 0) != 0;
  for (size_t i = 0; i < n; ++i) g.overhang = g.overhang || (g.auto_pad == "NOTSET" && g.pad_r[i] != g.pads[i + n]);
  return g;
}

ConvGeometry conv_geometry(const ir::Node& node, const std::vector<int64_t>& x, const std::vector<int64_t>& w, const std::vector<int64_t>& y,
                           bool transpose) {
  const size_t n = x.size() - 2;
  ConvGeometry g;
  g.group = attr_int(node, "group", 1);
  g.strides = ints_or(node, "strides", n, 1);
  g.dilations = ints_or(node, "dilations", n, 1);
  g.kernel.assign(w.begin() + 2, w.end());
  const std::string auto_pad = attr_string(node, "auto_pad", "NOTSET");
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  const bool has_pads = find_attr(node, "pads") != nullptr;
  const auto pads = ints_or(node, "pads", 2 * n, 0);
  const auto output_padding = ints_or(node, "output_padding", n, 0);
  g.pad_l.assign(n, 0);
  g.pad_r.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t window = (g.kernel[i] - 1) * g.dilations[i] + 1;
    const int64_t in = x[i + 2], out = y[i + 2];
    if (!transpose) {
      if (same) {
        const int64_t total = std::max<int64_t>(0, (out - 1) * g.strides[i] + window - in);
        g.pad_l[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        g.pad_r[i] = total - g.pad_l[i];
      } else if (auto_pad != "VALID") {
        g.pad_l[i] = pads[i];
        g.pad_r[i] = pads[i + n];
      }
    } else {
      // As ONNX's reference: SAME splits the padding that yields the output size; otherwise
      // the begin pad is given and the output size (output_padding, output_shape) fixes the end.
      if (same && !has_pads) {
        const int64_t total = g.strides[i] * (in - 1) + output_padding[i] + window - out;
        g.pad_l[i] = auto_pad == "SAME_UPPER" ? floor_div(total, 2) : total - floor_div(total, 2);
      } else if (auto_pad != "VALID") {
        g.pad_l[i] = pads[i];
      }
      g.pad_r[i] = (in - 1) * g.strides[i] + window - g.pad_l[i] - out;
    }
  }
  return g;
}

}  // namespace runtime
