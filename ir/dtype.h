#pragma once
// Element types, numbered as ONNX's TensorProto.DataType so conversion is a cast.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ir {

enum class DType : int32_t {
  undefined = 0,
  float32 = 1,
  uint8 = 2,
  int8 = 3,
  uint16 = 4,
  int16 = 5,
  int32 = 6,
  int64 = 7,
  string = 8,
  boolean = 9,
  float16 = 10,
  float64 = 11,
  uint32 = 12,
  uint64 = 13,
  bfloat16 = 16,
};

// Bytes per element; 0 for undefined and string (no fixed size).
size_t dtype_size_bytes(DType dtype);
// Lower-case name as numpy spells it ("float32", "int64", "bool").
std::string_view dtype_name(DType dtype);
// True for a value defined above; ONNX codes we do not model (complex, float8) are false.
bool is_known_dtype(int32_t onnx_code);
bool is_floating(DType dtype);
bool is_integer(DType dtype);

}  // namespace ir
