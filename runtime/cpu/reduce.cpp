// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_ReduceMean(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for ReduceMean yet"); }
std::unique_ptr<Kernel> make_ReduceSum(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for ReduceSum yet"); }
std::unique_ptr<Kernel> make_ReduceMax(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for ReduceMax yet"); }
std::unique_ptr<Kernel> make_ReduceMin(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for ReduceMin yet"); }
std::unique_ptr<Kernel> make_ArgMax(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for ArgMax yet"); }
std::unique_ptr<Kernel> make_TopK(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for TopK yet"); }
}  // namespace runtime::cpu
