#pragma once
// One factory per op of ir/ops.def: a missing CPU kernel is a link error, not a surprise
// at run time. Each returns an unprepared kernel; the device calls prepare().
#include <memory>

#include "runtime/cpu/cpu_context.h"
#include "runtime/kernel.h"

namespace runtime::cpu {

#define PARTPLAN_OP(name, shape_fn, cost_fn) std::unique_ptr<Kernel> make_##name(CpuContext& context);
#include "ir/ops.def"
#undef PARTPLAN_OP

using KernelFactory = std::unique_ptr<Kernel> (*)(CpuContext&);
// The factory for an op (never null for a kind in ops.def).
KernelFactory kernel_factory(ir::OpKind op);

}  // namespace runtime::cpu
