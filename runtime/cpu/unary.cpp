// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_Sqrt(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Sqrt yet"); }
std::unique_ptr<Kernel> make_Exp(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Exp yet"); }
std::unique_ptr<Kernel> make_Log(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Log yet"); }
std::unique_ptr<Kernel> make_Neg(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Neg yet"); }
std::unique_ptr<Kernel> make_Abs(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Abs yet"); }
std::unique_ptr<Kernel> make_Reciprocal(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Reciprocal yet"); }
std::unique_ptr<Kernel> make_Erf(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Erf yet"); }
std::unique_ptr<Kernel> make_Tanh(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Tanh yet"); }
std::unique_ptr<Kernel> make_Sigmoid(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Sigmoid yet"); }
std::unique_ptr<Kernel> make_Relu(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Relu yet"); }
std::unique_ptr<Kernel> make_LeakyRelu(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for LeakyRelu yet"); }
std::unique_ptr<Kernel> make_Elu(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Elu yet"); }
std::unique_ptr<Kernel> make_Gelu(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Gelu yet"); }
std::unique_ptr<Kernel> make_HardSigmoid(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for HardSigmoid yet"); }
std::unique_ptr<Kernel> make_HardSwish(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for HardSwish yet"); }
std::unique_ptr<Kernel> make_Clip(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Clip yet"); }
std::unique_ptr<Kernel> make_Softplus(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Softplus yet"); }
std::unique_ptr<Kernel> make_Not(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Not yet"); }
std::unique_ptr<Kernel> make_Cast(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Cast yet"); }
std::unique_ptr<Kernel> make_Identity(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Identity yet"); }
std::unique_ptr<Kernel> make_Dropout(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Dropout yet"); }
}  // namespace runtime::cpu
