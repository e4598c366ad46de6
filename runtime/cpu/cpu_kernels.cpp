#include "runtime/cpu/cpu_kernels.h"

namespace runtime::cpu {

namespace {
constexpr KernelFactory factories[] = {
#define PARTPLAN_OP(name, shape_fn, cost_fn) &make_##name,
#include "ir/ops.def"
#undef PARTPLAN_OP
};
}  // namespace

KernelFactory kernel_factory(ir::OpKind op) {
  const auto index = static_cast<size_t>(op);
  return index < std::size(factories) ? factories[index] : nullptr;
}

}  // namespace runtime::cpu
