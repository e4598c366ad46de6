// The GPU test binary (ctest label `gpu`): runs its doctest cases when a GPU answers, and
// otherwise says why in one line and exits 77, which ctest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cuda_runtime_api.h>

#include <cstdio>

int main(int argc, char** argv) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    std::printf("GPU tests skipped: no GPU (%s)\n", status != cudaSuccess ? cudaGetErrorName(status) : "none found");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
