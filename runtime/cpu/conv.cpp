// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_Conv(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Conv yet"); }
std::unique_ptr<Kernel> make_ConvTranspose(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for ConvTranspose yet"); }
}  // namespace runtime::cpu
