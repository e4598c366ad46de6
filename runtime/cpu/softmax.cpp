// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_Softmax(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for Softmax yet"); }
std::unique_ptr<Kernel> make_LogSoftmax(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for LogSoftmax yet"); }
}  // namespace runtime::cpu
