// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_Constant(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Constant yet"); }
std::unique_ptr<Kernel> make_ConstantOfShape(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for ConstantOfShape yet"); }
std::unique_ptr<Kernel> make_Shape(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Shape yet"); }
std::unique_ptr<Kernel> make_Size(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Size yet"); }
std::unique_ptr<Kernel> make_Range(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Range yet"); }
std::unique_ptr<Kernel> make_Expand(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Expand yet"); }
std::unique_ptr<Kernel> make_Tile(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Tile yet"); }
std::unique_ptr<Kernel> make_Reshape(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Reshape yet"); }
std::unique_ptr<Kernel> make_Flatten(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Flatten yet"); }
std::unique_ptr<Kernel> make_Squeeze(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Squeeze yet"); }
std::unique_ptr<Kernel> make_Unsqueeze(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Unsqueeze yet"); }
}  // namespace runtime::cpu
