// PLACEHOLDER: kernels not written yet (being written now); each factory throws unsupported.
#include "runtime/cpu/cpu_kernels.h"
#include "ir/error.h"
namespace runtime::cpu {
std::unique_ptr<Kernel> make_LSTM(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for LSTM yet"); }
std::unique_ptr<Kernel> make_GRU(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for GRU yet"); }
std::unique_ptr<Kernel> make_RNN(CpuContext&) { throw ir::Error(ir::ErrorKind::unsupported, "no CPU kernel for RNN yet"); }
}  // namespace runtime::cpu
