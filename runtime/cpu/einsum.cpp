// Einsum on the CPU: any equation (ellipsis, repeated labels as diagonals, implicit output,
// broadcasting of size-1 dims) evaluated as one loop nest: the output's labels outside
// (split over OpenMP threads), the summed labels inside, each operand addressed through
// one stride per label (the sum of its dims' strides for a repeated label).
#include <algorithm>
#include <map>
#include <type_traits>

#include "ir/einsum_equation.h"
#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/kernel_util.h"

namespace runtime::cpu {

namespace {

// The equation compiled against the input shapes: every label (letters, then one per
// ellipsis dim) with its size; output labels first, then the summed ones.
struct EinsumPlan {
  std::vector<int64_t> out_sizes;                  // per output label
  std::vector<int64_t> sum_sizes;                  // per summed label
  std::vector<std::vector<int64_t>> out_strides;   // [operand][output label]
  std::vector<std::vector<int64_t>> sum_strides;   // [operand][summed label]
};

EinsumPlan compile(const ir::Node& node, const std::string& text, const std::vector<std::vector<int64_t>>& shapes) {
  const ir::EinsumEquation equation = ir::parse_einsum_equation(text);
  const std::vector<std::string>& terms = equation.operands;
  if (terms.size() != shapes.size()) unsupported(node, "equation operands do not match the inputs");

  // Labels of every operand dim; letters are 0..51, ellipsis dims 52 + k (right-aligned).
  constexpr int ellipsis_base = 52;
  auto letter_id = [&](char c) -> int {
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
    unsupported(node, std::string("invalid label '") + c + "' in equation");
  };
  size_t ellipsis_rank = 0;
  for (size_t t = 0; t < terms.size(); ++t) {
    const auto dots = terms[t].find("...");
    const size_t letters = terms[t].size() - (dots == std::string::npos ? 0 : 3);
    if (letters > shapes[t].size() || (dots == std::string::npos && letters != shapes[t].size()))
      unsupported(node, "operand " + std::to_string(t) + " does not match the input's rank");
    if (dots != std::string::npos) ellipsis_rank = std::max(ellipsis_rank, shapes[t].size() - letters);
  }
  std::vector<std::vector<int>> dim_labels(terms.size());
  std::map<int, int64_t> size_of;
  std::map<int, int> count_of;
  for (size_t t = 0; t < terms.size(); ++t) {
    const std::string& term = terms[t];
    const auto dots = term.find("...");
    const size_t own_ellipsis = shapes[t].size() - (term.size() - (dots == std::string::npos ? 0 : 3));
    for (size_t c = 0; c < term.size(); ++c) {
      if (c == dots) {
        for (size_t k = 0; k < own_ellipsis; ++k) dim_labels[t].push_back(ellipsis_base + static_cast<int>(ellipsis_rank - own_ellipsis + k));
        c += 2;
      } else {
        dim_labels[t].push_back(letter_id(term[c]));
      }
    }
    for (size_t d = 0; d < dim_labels[t].size(); ++d) {
      const int label = dim_labels[t][d];
      const int64_t size = shapes[t][d];
      auto [it, fresh] = size_of.emplace(label, size);
      if (!fresh && it->second != size) {
        if (it->second == 1) it->second = size;
        else if (size != 1) unsupported(node, "a label has two different sizes");
      }
      if (label < ellipsis_base) ++count_of[label];
    }
  }

  std::vector<int> out_labels;
  if (equation.output) {
    const std::string& rhs = *equation.output;
    for (size_t c = 0; c < rhs.size(); ++c) {
      if (rhs.compare(c, 3, "...") == 0) {
        for (size_t k = 0; k < ellipsis_rank; ++k) out_labels.push_back(ellipsis_base + static_cast<int>(k));
        c += 2;
      } else {
        const int label = letter_id(rhs[c]);
        if (!size_of.count(label)) unsupported(node, "an output label appears in no operand");
        if (std::find(out_labels.begin(), out_labels.end(), label) != out_labels.end()) unsupported(node, "an output label is repeated");
        out_labels.push_back(label);
      }
    }
  } else {
    // Implicit output: the ellipsis dims, then labels used once, in ASCII order (as numpy).
    for (size_t k = 0; k < ellipsis_rank; ++k) out_labels.push_back(ellipsis_base + static_cast<int>(k));
    std::vector<char> once;
    for (auto [label, count] : count_of)
      if (count == 1) once.push_back(static_cast<char>(label < 26 ? 'a' + label : 'A' + (label - 26)));
    std::sort(once.begin(), once.end());
    for (char c : once) out_labels.push_back(letter_id(c));
  }
  std::vector<int> sum_labels;
  for (auto [label, size] : size_of)
    if (std::find(out_labels.begin(), out_labels.end(), label) == out_labels.end()) sum_labels.push_back(label);

  EinsumPlan plan;
  for (int label : out_labels) plan.out_sizes.push_back(size_of.count(label) ? size_of[label] : 1);
  for (int label : sum_labels) plan.sum_sizes.push_back(size_of[label]);
  for (size_t t = 0; t < terms.size(); ++t) {
    const auto strides = strides_of(shapes[t]);
    auto stride_of = [&](int label) {
      int64_t s = 0;
      for (size_t d = 0; d < dim_labels[t].size(); ++d)
        if (dim_labels[t][d] == label && !(shapes[t][d] == 1 && size_of[label] != 1)) s += strides[d];
      return s;
    };
    plan.out_strides.emplace_back();
    plan.sum_strides.emplace_back();
    for (int label : out_labels) plan.out_strides.back().push_back(stride_of(label));
    for (int label : sum_labels) plan.sum_strides.back().push_back(stride_of(label));
  }
  return plan;
}

template <typename T>
void einsum_typed(const EinsumPlan& plan, const std::vector<const T*>& x, T* y) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  const size_t operands = x.size();
  const int64_t out_count = element_count(plan.out_sizes);
  const int64_t sum_count = element_count(plan.sum_sizes);
  const size_t sum_rank = plan.sum_sizes.size();
  // The innermost summed label runs as a plain strided loop; the rest as an odometer.
  const int64_t last_size = sum_rank ? plan.sum_sizes.back() : 1;
  std::vector<int64_t> last_stride(operands, 0);
  for (size_t t = 0; t < operands && sum_rank; ++t) last_stride[t] = plan.sum_strides[t].back();
#pragma omp parallel if (out_count * std::max<int64_t>(sum_count, 1) * static_cast<int64_t>(operands) > parallel_threshold)
  {
  std::vector<int64_t> offset(operands), index(sum_rank > 0 ? sum_rank - 1 : 0);
#pragma omp for
  for (int64_t o = 0; o < out_count; ++o) {
    std::fill(offset.begin(), offset.end(), 0);
    int64_t rest = o;
    for (size_t l = plan.out_sizes.size(); l-- > 0;) {
      const int64_t i = rest % plan.out_sizes[l];
      rest /= plan.out_sizes[l];
      for (size_t t = 0; t < operands; ++t) offset[t] += i * plan.out_strides[t][l];
    }
    Acc acc = 0;
    if (sum_count > 0) {
      std::fill(index.begin(), index.end(), 0);
      while (true) {
        for (int64_t k = 0; k < last_size; ++k) {
          Acc product = 1;
          for (size_t t = 0; t < operands; ++t) product *= static_cast<Acc>(x[t][offset[t] + k * last_stride[t]]);
          acc += product;
        }
        size_t l = index.size();
        for (; l-- > 0;) {
          for (size_t t = 0; t < operands; ++t) offset[t] += plan.sum_strides[t][l];
          if (++index[l] < plan.sum_sizes[l]) break;
          for (size_t t = 0; t < operands; ++t) offset[t] -= index[l] * plan.sum_strides[t][l];
          index[l] = 0;
        }
        if (l == static_cast<size_t>(-1)) break;
      }
    }
    y[o] = static_cast<T>(acc);
  }
  }
}

class EinsumKernel final : public Kernel {
 public:
  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    std::vector<std::vector<int64_t>> shapes;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ir::Tensor& t = input_info(graph, node, i);
      if (i == 0) dtype_ = t.dtype;
      else if (t.dtype != dtype_) unsupported(node, "inputs of different dtypes");
      shapes.push_back(t.shape);
    }
    if (dtype_ != ir::DType::float32 && dtype_ != ir::DType::float64 && dtype_ != ir::DType::int32 && dtype_ != ir::DType::int64)
      unsupported(node, "dtype " + std::string(ir::dtype_name(dtype_)) + " is not supported by Einsum on the CPU (float32/float64/int32/int64 only)");
    plan_ = compile(node, attr_string(node, "equation", ""), shapes);
    if (element_count(plan_.out_sizes) != element_count(output_info(graph, node, 0).shape))
      unsupported(node, "equation's output does not match the resolved output shape");
  }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    auto go = [&](auto tag) {
      using T = decltype(tag);
      std::vector<const T*> x;
      for (const Tensor* t : inputs) x.push_back(t->as<T>());
      einsum_typed(plan_, x, outputs[0]->as<T>());
    };
    switch (dtype_) {
      case ir::DType::float32: go(float{}); break;
      case ir::DType::float64: go(double{}); break;
      case ir::DType::int32: go(int32_t{}); break;
      default: go(int64_t{}); break;
    }
  }

 private:
  ir::DType dtype_ = ir::DType::undefined;
  EinsumPlan plan_;
};

}  // namespace

std::unique_ptr<Kernel> make_Einsum(CpuContext&) { return std::make_unique<EinsumKernel>(); }

}  // namespace runtime::cpu
