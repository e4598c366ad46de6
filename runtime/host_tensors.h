#pragma once
// Tensors in host memory the caller owns, and reproducible random values for them: the inputs
// `partplan run` and `partplan profile` make when none are given.
#include <random>
#include <vector>

#include "runtime/tensor.h"

namespace runtime {

// Uninitialised host memory of the dtype and shape, owned by the tensor.
Tensor host_tensor(ir::DType dtype, const std::vector<int64_t>& shape);

// Floats in [-1, 1), integers in [0, 4) (small, so they are valid indices for typical
// embedding/Gather inputs), bools at random; throws ir::Error(unsupported) for other dtypes.
void fill_random(Tensor& t, std::mt19937& rng);

}  // namespace runtime
