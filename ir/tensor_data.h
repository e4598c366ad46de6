#pragma once
// The bytes of a constant tensor (a weight, a folded Constant, or a value computed
// while resolving shapes). Bytes live in a std::string so the loader can move a
// protobuf raw_data buffer in without copying the weights.
#include <cstdint>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace ir {

struct TensorData {
  DType dtype = DType::undefined;
  std::vector<int64_t> dims;
  std::string bytes;  // little-endian, dense, row-major; size == element_count * dtype size

  int64_t element_count() const;
  // The elements as int64 (integer and bool types; floats are truncated). Throws for strings.
  std::vector<int64_t> to_int64s() const;
  // The elements as double (any numeric type).
  std::vector<double> to_doubles() const;

  static TensorData from_int64s(DType dtype, std::vector<int64_t> dims, const std::vector<int64_t>& values);
  static TensorData from_doubles(DType dtype, std::vector<int64_t> dims, const std::vector<double>& values);
};

// Product of dims; throws ir::Error(shape) naming `what` when it overflows int64 or a dim is negative.
int64_t checked_element_count(const std::vector<int64_t>& dims, const std::string& what);

}  // namespace ir
