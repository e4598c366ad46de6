// Softmax and LogSoftmax on oneDNN's softmax primitive. Opset >= 13 normalises along one
// axis; older opsets coerce the input to 2-D at `axis` and normalise each row.
#include "runtime/cpu/cpu_kernels.h"
#include "runtime/cpu/dnnl_step.h"
#include "runtime/axes.h"

namespace runtime::cpu {

namespace {

using dnnl::memory;

class SoftmaxKernel final : public Kernel {
 public:
  SoftmaxKernel(CpuContext& context, bool log) : context_(context), log_(log) {}

  void prepare(const ir::Graph& graph, const ir::Node& node) override {
    require_float32(graph, node);
    std::vector<int64_t> x = input_info(graph, node, 0).shape;
    if (x.empty()) x = {1};  // a scalar is its own (one-element) row
    const auto rank = static_cast<int64_t>(x.size());
    const bool per_axis = graph.opset >= 13;
    const int64_t axis = softmax_axis(graph, node, rank);
    empty_ = element_count(x) == 0;
    if (empty_) return;
    std::vector<int64_t> view = x;
    int softmax_axis = static_cast<int>(axis);
    if (!per_axis) {
      view = {element_count({x.begin(), x.begin() + axis}), element_count({x.begin() + axis, x.end()})};
      softmax_axis = 1;
    }
    const memory::desc data_md = plain_desc(view);
    const auto engine = context_.engine;
    with_dnnl_errors(node, [&] {
      using Softmax = dnnl::softmax_v2_forward;
      const Softmax::desc desc(dnnl::prop_kind::forward_inference,
                               log_ ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate, data_md, data_md,
                               softmax_axis);
      const Softmax::primitive_desc pd(desc, user_scratchpad_attr(), engine);
      step_.create(pd, engine);
      step_.bind(DNNL_ARG_SRC, data_md, engine);
      step_.bind(DNNL_ARG_DST, data_md, engine);
    });
  }

  int64_t owned_bytes() const override { return step_.owned_bytes(); }

  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    if (empty_) return;
    step_.set(DNNL_ARG_SRC, inputs[0]->data);
    step_.set(DNNL_ARG_DST, outputs[0]->data);
    step_.execute(context_.stream);
  }

 private:
  CpuContext& context_;
  bool log_;
  bool empty_ = false;
  DnnlStep step_;
};

}  // namespace

std::unique_ptr<Kernel> make_Softmax(CpuContext& context) { return std::make_unique<SoftmaxKernel>(context, false); }
std::unique_ptr<Kernel> make_LogSoftmax(CpuContext& context) { return std::make_unique<SoftmaxKernel>(context, true); }

}  // namespace runtime::cpu
