// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_Resize(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Resize yet"); }
}  // namespace runtime::cpu
