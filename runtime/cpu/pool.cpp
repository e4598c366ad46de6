// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_MaxPool(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for MaxPool yet"); }
std::unique_ptr<Kernel> make_AveragePool(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for AveragePool yet"); }
std::unique_ptr<Kernel> make_GlobalAveragePool(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for GlobalAveragePool yet"); }
std::unique_ptr<Kernel> make_GlobalMaxPool(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for GlobalMaxPool yet"); }
}  // namespace runtime::cpu
