// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_Add(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Add yet"); }
std::unique_ptr<Kernel> make_Sub(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Sub yet"); }
std::unique_ptr<Kernel> make_Mul(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Mul yet"); }
std::unique_ptr<Kernel> make_Div(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Div yet"); }
std::unique_ptr<Kernel> make_Pow(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Pow yet"); }
std::unique_ptr<Kernel> make_Where(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Where yet"); }
std::unique_ptr<Kernel> make_Equal(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Equal yet"); }
std::unique_ptr<Kernel> make_Less(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Less yet"); }
std::unique_ptr<Kernel> make_Greater(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Greater yet"); }
std::unique_ptr<Kernel> make_And(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for And yet"); }
}  // namespace runtime::cpu
