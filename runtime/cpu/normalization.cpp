// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_BatchNormalization(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for BatchNormalization yet"); }
std::unique_ptr<Kernel> make_InstanceNormalization(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for InstanceNormalization yet"); }
std::unique_ptr<Kernel> make_LayerNormalization(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for LayerNormalization yet"); }
}  // namespace runtime::cpu
