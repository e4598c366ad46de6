// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_Gather(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Gather yet"); }
std::unique_ptr<Kernel> make_Slice(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Slice yet"); }
std::unique_ptr<Kernel> make_Split(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Split yet"); }
std::unique_ptr<Kernel> make_Concat(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Concat yet"); }
std::unique_ptr<Kernel> make_Transpose(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Transpose yet"); }
std::unique_ptr<Kernel> make_Pad(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Pad yet"); }
}  // namespace runtime::cpu
