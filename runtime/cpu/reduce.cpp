// Reductions (ReduceMean/Sum/Max/Min), ArgMax and TopK on the CPU.
// Every kernel views its input as (outer, reduced, inner) blocks after merging adjacent dims
// of the same kind; reductions over several separated axis groups fall back to a list of
// offsets per output element. OpenMP splits the outer dims.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "runtime/cpu/cpu_kernels.h"
#include "runtime/axes.h"
#include "runtime/cpu/kernel_util.h"

namespace runtime::cpu {

namespace {

enum class ReduceOp { mean, sum, max, min };

// Integer sums accumulate in unsigned 64 bits (wrapping is defined there, unlike signed
// overflow) and wrap back to the element type, as numpy does.
template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, T, uint64_t>;

// a > b where NaN is larger than everything (max/argmax/topk propagate or prefer NaN, as numpy).
template <typename T>
bool greater(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);
  }
  return a > b;
}
template <typename T>
bool less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);  // NaN still wins a min, as numpy's minimum
  }
  return a < b;
}

template <typename T>
Accumulator<T> identity_of(ReduceOp op) {
  if (op == ReduceOp::max) {
    if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  if (op == ReduceOp::min) {
    if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  return 0;
}

// A reduction's geometry after merging dims: either one reduced block between an outer and
// an inner block (the fast, common case), or per-output base offsets plus reduced offsets.
struct ReduceGeometry {
  bool single_block = true;
  int64_t outer = 1, reduced = 1, inner = 1;
  std::vector<int64_t> kept_sizes, kept_strides;  // general case: dims of the output
  std::vector<int64_t> reduced_offsets;           // general case: every reduced element
};

ReduceGeometry make_geometry(const std::vector<int64_t>& shape, const std::vector<bool>& reduce_dim) {
  // Drop size-1 dims (they do not move memory) and merge neighbours of the same kind.
  struct Group {
    int64_t size;
    bool reduced;
  };
  std::vector<Group> groups;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!groups.empty() && groups.back().reduced == reduce_dim[d]) groups.back().size *= shape[d];
    else groups.push_back({shape[d], reduce_dim[d]});
  }
  ReduceGeometry g;
  const auto reduced_groups = std::count_if(groups.begin(), groups.end(), [](const Group& x) { return x.reduced; });
  if (reduced_groups <= 1) {
    bool after = false;
    for (const Group& x : groups) {
      if (x.reduced) {
        g.reduced = x.size;
        after = true;
      } else {
        (after ? g.inner : g.outer) *= x.size;
      }
    }
    return g;
  }
  g.single_block = false;
  std::vector<int64_t> sizes;
  for (const Group& x : groups) sizes.push_back(x.size);
  const auto strides = strides_of(sizes);
  std::vector<int64_t> red_sizes, red_strides;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].reduced) {
      red_sizes.push_back(groups[i].size);
      red_strides.push_back(strides[i]);
    } else {
      g.kept_sizes.push_back(groups[i].size);
      g.kept_strides.push_back(strides[i]);
    }
  }
  g.reduced = element_count(red_sizes);
  g.reduced_offsets.assign(static_cast<size_t>(g.reduced), 0);
  std::vector<int64_t> index(red_sizes.size(), 0);
  for (int64_t r = 0; r < g.reduced; ++r) {
    int64_t offset = 0;
    for (size_t k = 0; k < index.size(); ++k) offset += index[k] * red_strides[k];
    g.reduced_offsets[static_cast<size_t>(r)] = offset;
    for (size_t k = index.size(); k-- > 0;) {
      if (++index[k] < red_sizes[k]) break;
      index[k] = 0;
    }
  }
  return g;
}

template <typename T>
void combine(ReduceOp op, Accumulator<T>& acc, T x) {
  switch (op) {
    case ReduceOp::mean:
    case ReduceOp::sum: acc += static_cast<Accumulator<T>>(x); break;
    case ReduceOp::max: if (greater(x, static_cast<T>(acc))) acc = x; break;
    case ReduceOp::min: if (less(x, static_cast<T>(acc))) acc = x; break;
  }
}

template <typename T>
T finish(ReduceOp op, Accumulator<T> acc, int64_t count) {
  if (op != ReduceOp::mean) return static_cast<T>(acc);
  if constexpr (std::is_floating_point_v<T>) return static_cast<T>(acc / static_cast<T>(count));  // 0/0 = NaN
  else if constexpr (std::is_signed_v<T>) return count == 0 ? T(0) : static_cast<T>(static_cast<int64_t>(acc) / count);
  else return count == 0 ? T(0) : static_cast<T>(acc / static_cast<uint64_t>(count));
}

template <typename T>
void reduce_typed(ReduceOp op, const ReduceGeometry& g, const T* x, T* y, int64_t out_count) {
  const int64_t R = g.reduced;
  if (g.single_block && g.inner == 1) {
#pragma omp parallel for if (g.outer * R > parallel_threshold)
    for (int64_t o = 0; o < g.outer; ++o) {
      const T* row = x + o * R;
      Accumulator<T> acc = identity_of<T>(op);
      for (int64_t r = 0; r < R; ++r) combine(op, acc, row[r]);
      y[o] = finish<T>(op, acc, R);
    }
  } else if (g.single_block) {
    const int64_t inner = g.inner;
#pragma omp parallel for if (g.outer * R * inner > parallel_threshold)
    for (int64_t o = 0; o < g.outer; ++o) {
      T* out = y + o * inner;
      if constexpr (std::is_same_v<Accumulator<T>, T>) {
        // Accumulate straight into the output row: contiguous, vectorisable.
        for (int64_t i = 0; i < inner; ++i) out[i] = identity_of<T>(op);
        for (int64_t r = 0; r < R; ++r) {
          const T* in = x + (o * R + r) * inner;
          for (int64_t i = 0; i < inner; ++i) combine(op, out[i], in[i]);
        }
        for (int64_t i = 0; i < inner; ++i) out[i] = finish<T>(op, out[i], R);
      } else {
        for (int64_t i = 0; i < inner; ++i) {
          Accumulator<T> acc = identity_of<T>(op);
          for (int64_t r = 0; r < R; ++r) combine(op, acc, x[(o * R + r) * inner + i]);
          out[i] = finish<T>(op, acc, R);
        }
      }
    }
  } else {
    const auto& sizes = g.kept_sizes;
    const auto& strides = g.kept_strides;
    const int64_t* offsets = g.reduced_offsets.data();
#pragma omp parallel for if (out_count * R > parallel_threshold)
    for (int64_t o = 0; o < out_count; ++o) {
      int64_t base = 0, rest = o;
      for (size_t k = sizes.size(); k-- > 0;) {
        base += (rest % sizes[k]) * strides[k];
        rest /= sizes[k];
      }
      Accumulator<T> acc = identity_of<T>(op);
      for (int64_t r = 0; r < R; ++r) combine(op, acc, x[base + offsets[r]]);
      y[o] = finish<T>(op, acc, R);
    }
  }
}

class ReduceKernel final : public Kernel {
 public:
  explicit ReduceKernel(ReduceOp op) : op_(op) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& x = input_info(graph, node, 0);
    dtype_ = x.dtype;
    const bool numeric = dtype_ == ir::DType::float32 || dtype_ == ir::DType::float64 || dtype_ == ir::DType::int32 ||
                         dtype_ == ir::DType::int64 || dtype_ == ir::DType::int8 || dtype_ == ir::DType::uint8 ||
                         dtype_ == ir::DType::uint32 || dtype_ == ir::DType::uint64;
    const bool minmax = op_ == ReduceOp::max || op_ == ReduceOp::min;
    if (!numeric && !(minmax && dtype_ == ir::DType::boolean))
      unsupported(node, "dtype " + std::string(ir::dtype_name(dtype_)) + " is not supported by this reduction on the CPU");
    const std::vector<bool> reduce_dim = reduced_dims(graph, node, x.shape.size());
    geometry_ = make_geometry(x.shape, reduce_dim);
    out_count_ = element_count(output_info(graph, node, 0).shape);
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    if (y.element_count() == 0) return;
    switch (dtype_) {
      case ir::DType::float32: reduce_typed(op_, geometry_, x.as<float>(), y.as<float>(), out_count_); break;
      case ir::DType::float64: reduce_typed(op_, geometry_, x.as<double>(), y.as<double>(), out_count_); break;
      case ir::DType::int32: reduce_typed(op_, geometry_, x.as<int32_t>(), y.as<int32_t>(), out_count_); break;
      case ir::DType::int64: reduce_typed(op_, geometry_, x.as<int64_t>(), y.as<int64_t>(), out_count_); break;
      case ir::DType::int8: reduce_typed(op_, geometry_, x.as<int8_t>(), y.as<int8_t>(), out_count_); break;
      case ir::DType::uint32: reduce_typed(op_, geometry_, x.as<uint32_t>(), y.as<uint32_t>(), out_count_); break;
      case ir::DType::uint64: reduce_typed(op_, geometry_, x.as<uint64_t>(), y.as<uint64_t>(), out_count_); break;
      // bool is one byte holding 0 or 1: max is "any", min is "all" (true over nothing).
      default:
        if (dtype_ == ir::DType::boolean && geometry_.reduced == 0) std::memset(y.data, op_ == ReduceOp::min ? 1 : 0, static_cast<size_t>(y.size_bytes()));
        else reduce_typed(op_, geometry_, x.as<uint8_t>(), y.as<uint8_t>(), out_count_);
        break;
    }
  }

 private:
  ReduceOp op_;
  ir::DType dtype_ = ir::DType::undefined;
  ReduceGeometry geometry_;
  int64_t out_count_ = 0;
};

// (outer, axis, inner) of a shape around one axis.
bool is_sortable(ir::DType d) {
  return d == ir::DType::float32 || d == ir::DType::float64 || d == ir::DType::int32 || d == ir::DType::int64 ||
         d == ir::DType::int8 || d == ir::DType::uint8 || d == ir::DType::uint32 || d == ir::DType::uint64;
}

template <typename T>
void argmax_typed(const T* x, int64_t* y, int64_t outer, int64_t n, int64_t inner, bool last) {
#pragma omp parallel for if (outer * n * inner > parallel_threshold)
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* p = x + o * n * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        const T v = p[k * inner], b = p[best * inner];
        if (greater(v, b) || (last && !greater(b, v))) best = k;
      }
      y[o * inner + i] = best;
    }
  }
}

class ArgMaxKernel final : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& x = input_info(graph, node, 0);
    dtype_ = x.dtype;
    if (!is_sortable(dtype_)) unsupported(node, "dtype " + std::string(ir::dtype_name(dtype_)) + " is not supported by ArgMax on the CPU");
    const size_t axis = checked_axis(node, attr_int(node, "axis", 0), x.shape.size());
    split_at_axis(x.shape, axis, outer_, n_, inner_);
    if (n_ == 0 && outer_ * inner_ > 0) unsupported(node, "ArgMax over an empty axis has no answer");
    last_ = attr_int(node, "select_last_index", 0) != 0;
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const Tensor& x = *inputs[0];
    int64_t* y = outputs[0]->as<int64_t>();
    switch (dtype_) {
      case ir::DType::float32: argmax_typed(x.as<float>(), y, outer_, n_, inner_, last_); break;
      case ir::DType::float64: argmax_typed(x.as<double>(), y, outer_, n_, inner_, last_); break;
      case ir::DType::int32: argmax_typed(x.as<int32_t>(), y, outer_, n_, inner_, last_); break;
      case ir::DType::int64: argmax_typed(x.as<int64_t>(), y, outer_, n_, inner_, last_); break;
      case ir::DType::int8: argmax_typed(x.as<int8_t>(), y, outer_, n_, inner_, last_); break;
      case ir::DType::uint8: argmax_typed(x.as<uint8_t>(), y, outer_, n_, inner_, last_); break;
      case ir::DType::uint32: argmax_typed(x.as<uint32_t>(), y, outer_, n_, inner_, last_); break;
      default: argmax_typed(x.as<uint64_t>(), y, outer_, n_, inner_, last_); break;
    }
  }

 private:
  ir::DType dtype_ = ir::DType::undefined;
  int64_t outer_ = 1, n_ = 1, inner_ = 1;
  bool last_ = false;
};

// Slices are (outer, inner) pairs; each sorts its n candidates' indices in a per-thread buffer.
template <typename T>
void topk_typed(const T* x, T* values, int64_t* indices, int64_t outer, int64_t n, int64_t inner, int64_t k, bool largest,
                std::vector<int64_t>& scratch) {
  const int64_t slices = outer * inner;
#pragma omp parallel for if (slices * n > parallel_threshold)
  for (int64_t s = 0; s < slices; ++s) {
    const int64_t o = s / inner, i = s % inner;
    const T* p = x + o * n * inner + i;
    int64_t* order = scratch.data() + static_cast<int64_t>(omp_get_thread_num()) * n;
    for (int64_t j = 0; j < n; ++j) order[j] = j;
    // Ties go to the lower index, as ONNX requires.
    auto before = [&](int64_t a, int64_t b) {
      const T va = p[a * inner], vb = p[b * inner];
      if (largest ? greater(va, vb) : less(va, vb)) return true;
      if (largest ? greater(vb, va) : less(vb, va)) return false;
      return a < b;
    };
    std::partial_sort(order, order + k, order + n, before);
    for (int64_t j = 0; j < k; ++j) {
      values[(o * k + j) * inner + i] = p[order[j] * inner];
      indices[(o * k + j) * inner + i] = order[j];
    }
  }
}

class TopKKernel final : public Kernel {
 public:
  explicit TopKKernel(CpuContext& context) : context_(context) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    const ir::Tensor& x = input_info(graph, node, 0);
    dtype_ = x.dtype;
    if (!is_sortable(dtype_)) unsupported(node, "dtype " + std::string(ir::dtype_name(dtype_)) + " is not supported by TopK on the CPU");
    const ir::Tensor& k = input_info(graph, node, 1);
    if (!k.value) unsupported(node, "K must be a constant");
    k_ = k.value->to_int64s().at(0);
    const size_t axis = checked_axis(node, attr_int(node, "axis", -1), x.shape.size());
    split_at_axis(x.shape, axis, outer_, n_, inner_);
    largest_ = attr_int(node, "largest", 1) != 0;
    // sorted=0 leaves the order unspecified; sorted output is one valid answer.
    // prepare runs on the device's worker, so this is the team size run() will get.
    scratch_.assign(static_cast<size_t>(std::max(omp_get_max_threads(), context_.threads) * n_), 0);
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    const Tensor& x = *inputs[0];
    // Either output may be omitted; compute into scratch space for a missing one.
    const int64_t out_count = outer_ * k_ * inner_;
    std::vector<int64_t> index_buffer;
    std::vector<char> value_buffer;
    int64_t* indices = nullptr;
    if (outputs.size() > 1 && outputs[1]) {
      indices = outputs[1]->as<int64_t>();
    } else {
      index_buffer.resize(static_cast<size_t>(out_count));
      indices = index_buffer.data();
    }
    void* values = nullptr;
    if (outputs[0]) {
      values = outputs[0]->data;
    } else {
      value_buffer.resize(static_cast<size_t>(out_count) * ir::dtype_size_bytes(dtype_));
      values = value_buffer.data();
    }
    if (out_count == 0) return;
    if (scratch_.size() < static_cast<size_t>(omp_get_max_threads() * n_)) scratch_.resize(static_cast<size_t>(omp_get_max_threads() * n_));
    auto go = [&](auto tag) {
      using T = decltype(tag);
      topk_typed(x.as<T>(), static_cast<T*>(values), indices, outer_, n_, inner_, k_, largest_, scratch_);
    };
    switch (dtype_) {
      case ir::DType::float32: go(float{}); break;
      case ir::DType::float64: go(double{}); break;
      case ir::DType::int32: go(int32_t{}); break;
      case ir::DType::int64: go(int64_t{}); break;
      case ir::DType::int8: go(int8_t{}); break;
      case ir::DType::uint8: go(uint8_t{}); break;
      case ir::DType::uint32: go(uint32_t{}); break;
      default: go(uint64_t{}); break;
    }
  }

 private:
  CpuContext& context_;
  ir::DType dtype_ = ir::DType::undefined;
  int64_t outer_ = 1, n_ = 1, inner_ = 1, k_ = 0;
  bool largest_ = true;
  std::vector<int64_t> scratch_;  // threads x n candidate indices
};

}  // namespace

std::unique_ptr<Kernel> make_ReduceMean(CpuContext&) { return std::make_unique<ReduceKernel>(ReduceOp::mean); }
std::unique_ptr<Kernel> make_ReduceSum(CpuContext&) { return std::make_unique<ReduceKernel>(ReduceOp::sum); }
std::unique_ptr<Kernel> make_ReduceMax(CpuContext&) { return std::make_unique<ReduceKernel>(ReduceOp::max); }
std::unique_ptr<Kernel> make_ReduceMin(CpuContext&) { return std::make_unique<ReduceKernel>(ReduceOp::min); }
std::unique_ptr<Kernel> make_ArgMax(CpuContext&) { return std::make_unique<ArgMaxKernel>(); }
std::unique_ptr<Kernel> make_TopK(CpuContext& context) { return std::make_unique<TopKKernel>(context); }

}  // namespace runtime::cpu
