// Shape functions for compute ops: convolution, pooling, matrix products, normalisation,
// reductions, recurrent layers.
#include <algorithm>
#include <map>

#include "ir/einsum_equation.h"
#include "ir/shape_context.h"

namespace ir {

namespace {

// Attribute list of length `count`, or `fallback` repeated when absent.
std::vector<int64_t> ints_or(const ShapeContext& ctx, const std::string& name, size_t count, int64_t fallback) {
  auto values = ctx.attr_ints(name);
  if (values.empty()) return std::vector<int64_t>(count, fallback);
  if (values.size() != count) ctx.fail("attribute '" + name + "' has " + std::to_string(values.size()) + " entries, expected " + std::to_string(count));
  return values;
}

// Spatial output sizes of a sliding window (Conv, pooling), per ONNX's auto_pad rules.
std::vector<int64_t> window_output(const ShapeContext& ctx, const std::vector<int64_t>& spatial,
                                   const std::vector<int64_t>& kernel, bool ceil_mode) {
  const size_t n = spatial.size();
  const auto strides = ints_or(ctx, "strides", n, 1);
  const auto dilations = ints_or(ctx, "dilations", n, 1);
  const auto pads = ints_or(ctx, "pads", 2 * n, 0);
  const std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (strides[i] <= 0 || dilations[i] <= 0 || kernel[i] <= 0) ctx.fail("kernel sizes, strides and dilations must be positive");
    if (kernel[i] > (int64_t{1} << 31) || dilations[i] > (int64_t{1} << 31) || std::abs(pads[i]) > (int64_t{1} << 40) ||
        std::abs(pads[i + n]) > (int64_t{1} << 40))
      ctx.fail("kernel, dilation or padding is implausibly large");
    const int64_t window = (kernel[i] - 1) * dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out[i] = (spatial[i] + strides[i] - 1) / strides[i];
    } else if (auto_pad == "VALID") {
      out[i] = spatial[i] >= window ? (spatial[i] - window) / strides[i] + 1 : 0;
    } else {
      const int64_t span = spatial[i] + pads[i] + pads[i + n] - window;
      if (span < 0) ctx.fail("kernel window " + std::to_string(window) + " is larger than the padded input " + std::to_string(spatial[i] + pads[i] + pads[i + n]));
      out[i] = (ceil_mode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
      // A window that would start entirely inside the end padding is dropped.
      if (ceil_mode && (out[i] - 1) * strides[i] >= spatial[i] + pads[i]) --out[i];
    }
  }
  return out;
}

}  // namespace

void infer_conv(ShapeContext& ctx) {
  const auto& x = ctx.input_shape(0);
  const auto& w = ctx.input_shape(1);
  if (x.size() < 3 || w.size() != x.size()) ctx.fail("expects X of rank >= 3 and W of the same rank");
  const int64_t group = ctx.attr_int("group", 1);
  if (group <= 0 || x[1] != w[1] * group)
    ctx.fail("input has " + std::to_string(x[1]) + " channels, weights expect " + std::to_string(w[1]) + " x group " + std::to_string(group));
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  std::vector<int64_t> out = {x[0], w[0]};
  const auto spatial = window_output(ctx, {x.begin() + 2, x.end()}, kernel, false);
  out.insert(out.end(), spatial.begin(), spatial.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_conv_transpose(ShapeContext& ctx) {
  const auto& x = ctx.input_shape(0);
  const auto& w = ctx.input_shape(1);
  if (x.size() < 3 || w.size() != x.size()) ctx.fail("expects X of rank >= 3 and W of the same rank");
  const int64_t group = ctx.attr_int("group", 1);
  if (group <= 0 || x[1] != w[0]) ctx.fail("input has " + std::to_string(x[1]) + " channels, weights expect " + std::to_string(w[0]));
  const size_t n = x.size() - 2;
  std::vector<int64_t> out = {x[0], w[1] * group};
  const auto explicit_shape = ctx.attr_ints("output_shape");
  if (!explicit_shape.empty()) {
    if (explicit_shape.size() != n) ctx.fail("output_shape has the wrong length");
    out.insert(out.end(), explicit_shape.begin(), explicit_shape.end());
  } else {
    const auto strides = ints_or(ctx, "strides", n, 1);
    const auto dilations = ints_or(ctx, "dilations", n, 1);
    const auto pads = ints_or(ctx, "pads", 2 * n, 0);
    const auto output_padding = ints_or(ctx, "output_padding", n, 0);
    const std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
    for (size_t i = 0; i < n; ++i) {
      const int64_t in = x[i + 2];
      if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        out.push_back(in * strides[i]);
      } else {
        const int64_t total_pad = auto_pad == "VALID" ? 0 : pads[i] + pads[i + n];
        out.push_back(strides[i] * (in - 1) + output_padding[i] + (w[i + 2] - 1) * dilations[i] + 1 - total_pad);
      }
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_gemm(ShapeContext& ctx) {
  const auto& a = ctx.input_shape(0);
  const auto& b = ctx.input_shape(1);
  if (a.size() != 2 || b.size() != 2) ctx.fail("expects 2-D A and B");
  const bool trans_a = ctx.attr_int("transA", 0) != 0;
  const bool trans_b = ctx.attr_int("transB", 0) != 0;
  const int64_t m = trans_a ? a[1] : a[0], k = trans_a ? a[0] : a[1];
  const int64_t kb = trans_b ? b[1] : b[0], n = trans_b ? b[0] : b[1];
  if (k != kb) ctx.fail("inner dimensions differ: " + std::to_string(k) + " vs " + std::to_string(kb));
  if (ctx.has_input(2)) broadcast_shapes(ctx, {m, n}, ctx.input_shape(2));  // C must broadcast to [M, N]
  ctx.set_output(0, ctx.input_dtype(0), {m, n});
}

void infer_matmul(ShapeContext& ctx) {
  auto a = ctx.input_shape(0);
  auto b = ctx.input_shape(1);
  if (a.empty() || b.empty()) ctx.fail("inputs must have rank >= 1");
  const bool a_vector = a.size() == 1, b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  if (a.back() != b[b.size() - 2])
    ctx.fail("inner dimensions differ: " + std::to_string(a.back()) + " vs " + std::to_string(b[b.size() - 2]));
  auto out = broadcast_shapes(ctx, {a.begin(), a.end() - 2}, {b.begin(), b.end() - 2});
  if (!a_vector) out.push_back(a[a.size() - 2]);
  if (!b_vector) out.push_back(b.back());
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_normalization(ShapeContext& ctx) {
  const auto& x = ctx.input_shape(0);
  ctx.set_output(0, ctx.input_dtype(0), x);
  if (ctx.node().op == OpKind::LayerNormalization) {
    const auto axis = static_cast<size_t>(ctx.normalize_axis(ctx.attr_int("axis", -1), static_cast<int64_t>(x.size()), "axis"));
    std::vector<int64_t> stats(x.begin(), x.begin() + static_cast<ptrdiff_t>(axis));
    stats.resize(x.size(), 1);
    const DType stash = static_cast<DType>(ctx.attr_int("stash_type", 1));
    ctx.set_output(1, stash, stats);
    ctx.set_output(2, stash, stats);
  } else if (ctx.node().op == OpKind::BatchNormalization) {
    if (x.size() < 2) ctx.fail("expects rank >= 2");
    ctx.set_output(1, ctx.input_dtype(0), {x[1]});  // running mean/var, training mode only
    ctx.set_output(2, ctx.input_dtype(0), {x[1]});
  }
}

void infer_pool(ShapeContext& ctx) {
  const auto& x = ctx.input_shape(0);
  if (x.size() < 3) ctx.fail("expects rank >= 3");
  const auto kernel = ctx.attr_ints("kernel_shape");
  if (kernel.size() != x.size() - 2) ctx.fail("kernel_shape must have " + std::to_string(x.size() - 2) + " entries");
  std::vector<int64_t> out = {x[0], x[1]};
  const auto spatial = window_output(ctx, {x.begin() + 2, x.end()}, kernel, ctx.attr_int("ceil_mode", 0) != 0);
  out.insert(out.end(), spatial.begin(), spatial.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
  ctx.set_output(1, DType::int64, out);  // MaxPool's optional Indices
}

void infer_global_pool(ShapeContext& ctx) {
  auto out = ctx.input_shape(0);
  if (out.size() < 3) ctx.fail("expects rank >= 3");
  std::fill(out.begin() + 2, out.end(), 1);
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_reduce(ShapeContext& ctx) {
  const auto& x = ctx.input_shape(0);
  const auto rank = static_cast<int64_t>(x.size());
  std::vector<int64_t> axes = ctx.has_input(1) ? ctx.input_ints(1, "axes") : ctx.attr_ints("axes");
  const bool keep = ctx.attr_int("keepdims", 1) != 0;
  if (axes.empty() && ctx.attr_int("noop_with_empty_axes", 0) != 0) {
    ctx.set_output(0, ctx.input_dtype(0), x);
    return;
  }
  std::vector<bool> reduced(x.size(), axes.empty());
  for (int64_t a : axes) reduced[static_cast<size_t>(ctx.normalize_axis(a, rank, "axis"))] = true;
  std::vector<int64_t> out;
  for (size_t d = 0; d < x.size(); ++d) {
    if (!reduced[d]) out.push_back(x[d]);
    else if (keep) out.push_back(1);
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_argmax(ShapeContext& ctx) {
  auto out = ctx.input_shape(0);
  const auto axis = static_cast<size_t>(ctx.normalize_axis(ctx.attr_int("axis", 0), static_cast<int64_t>(out.size()), "axis"));
  if (ctx.attr_int("keepdims", 1) != 0) out[axis] = 1;
  else out.erase(out.begin() + static_cast<ptrdiff_t>(axis));
  ctx.set_output(0, DType::int64, out);
}

void infer_topk(ShapeContext& ctx) {
  auto out = ctx.input_shape(0);
  const auto axis = static_cast<size_t>(ctx.normalize_axis(ctx.attr_int("axis", -1), static_cast<int64_t>(out.size()), "axis"));
  const auto k = ctx.input_ints(1, "K");
  if (k.size() != 1 || k[0] < 0 || k[0] > out[axis]) ctx.fail("K must be one value in [0, " + std::to_string(out[axis]) + "]");
  out[axis] = k[0];
  ctx.set_output(0, ctx.input_dtype(0), out);
  ctx.set_output(1, DType::int64, out);
}

void infer_einsum(ShapeContext& ctx) {
  const EinsumEquation equation = parse_einsum_equation(ctx.attr_string("equation", ""));
  const std::vector<std::string>& terms = equation.operands;
  if (terms.size() != ctx.input_count()) ctx.fail("equation has " + std::to_string(terms.size()) + " operands for " + std::to_string(ctx.input_count()) + " inputs");
  std::map<char, int64_t> sizes;
  std::map<char, int> counts;
  std::vector<int64_t> ellipsis;
  for (size_t t = 0; t < terms.size(); ++t) {
    const auto& shape = ctx.input_shape(t);
    const std::string& term = terms[t];
    const auto dots = term.find("...");
    const size_t letters = term.size() - (dots == std::string::npos ? 0 : 3);
    if (letters > shape.size() || (dots == std::string::npos && letters != shape.size())) ctx.fail("operand " + std::to_string(t) + " does not match the input's rank");
    const size_t ellipsis_rank = shape.size() - letters;
    size_t dim = 0;
    for (size_t c = 0; c < term.size(); ++c) {
      if (c == dots) {
        std::vector<int64_t> part(shape.begin() + static_cast<ptrdiff_t>(dim), shape.begin() + static_cast<ptrdiff_t>(dim + ellipsis_rank));
        ellipsis = broadcast_shapes(ctx, ellipsis, part);
        dim += ellipsis_rank;
        c += 2;
        continue;
      }
      const char letter = term[c];
      const int64_t size = shape[dim++];
      auto [it, fresh] = sizes.emplace(letter, size);
      if (!fresh && it->second != size) {
        if (it->second == 1) it->second = size;
        else if (size != 1) ctx.fail(std::string("label '") + letter + "' has sizes " + std::to_string(it->second) + " and " + std::to_string(size));
      }
      ++counts[letter];
    }
  }
  std::vector<int64_t> out;
  if (equation.output) {
    const std::string& rhs = *equation.output;
    for (size_t c = 0; c < rhs.size(); ++c) {
      if (rhs.compare(c, 3, "...") == 0) {
        out.insert(out.end(), ellipsis.begin(), ellipsis.end());
        c += 2;
      } else if (sizes.count(rhs[c])) {
        out.push_back(sizes[rhs[c]]);
      } else {
        ctx.fail(std::string("output label '") + rhs[c] + "' appears in no operand");
      }
    }
  } else {
    out = ellipsis;
    for (auto [letter, count] : counts)
      if (count == 1) out.push_back(sizes[letter]);
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_rnn(ShapeContext& ctx) {
  const auto& x = ctx.input_shape(0);
  const auto& w = ctx.input_shape(1);
  if (x.size() != 3 || w.size() != 3) ctx.fail("expects X and W of rank 3");
  const bool batch_first = ctx.attr_int("layout", 0) != 0;
  const int64_t seq = batch_first ? x[1] : x[0];
  const int64_t batch = batch_first ? x[0] : x[1];
  const int64_t directions = ctx.attr_string("direction", "forward") == "bidirectional" ? 2 : 1;
  if (w[0] != directions) ctx.fail("W has " + std::to_string(w[0]) + " directions, attribute says " + std::to_string(directions));
  const int64_t gates = ctx.node().op == OpKind::LSTM ? 4 : ctx.node().op == OpKind::GRU ? 3 : 1;
  const int64_t hidden = ctx.attr_int("hidden_size", w[1] / gates);
  if (w[1] != gates * hidden) ctx.fail("W has " + std::to_string(w[1]) + " rows, expected " + std::to_string(gates) + " x hidden_size " + std::to_string(hidden));
  if (w[2] != x[2]) ctx.fail("W expects input size " + std::to_string(w[2]) + ", X has " + std::to_string(x[2]));
  // R is [directions, gates x hidden, hidden]: the cost and the kernels index it so.
  if (!ctx.has_input(2)) ctx.fail("has no R input (the recurrence weights are required)");
  const auto& r = ctx.input_shape(2);
  if (r.size() != 3 || r[0] != directions || r[1] != gates * hidden || r[2] != hidden) {
    std::string dims;
    for (int64_t d : r) dims += (dims.empty() ? "" : ",") + std::to_string(d);
    ctx.fail("R is [" + dims + "], expected [" + std::to_string(directions) + "," + std::to_string(gates * hidden) + "," + std::to_string(hidden) + "]");
  }
  const DType dtype = ctx.input_dtype(0);
  ctx.set_output(0, dtype, batch_first ? std::vector<int64_t>{batch, seq, directions, hidden}
                                       : std::vector<int64_t>{seq, directions, batch, hidden});
  const std::vector<int64_t> state = batch_first ? std::vector<int64_t>{batch, directions, hidden}
                                                 : std::vector<int64_t>{directions, batch, hidden};
  ctx.set_output(1, dtype, state);
  ctx.set_output(2, dtype, state);  // LSTM's Y_c
}

}  // namespace ir
