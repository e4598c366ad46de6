#include "ir/tensor_data.h"

#include <cstring>

#include "ir/error.h"

namespace ir {

namespace {

template <typename T>
T load(const std::string& bytes, int64_t index) {
  T value;
  std::memcpy(&value, bytes.data() + index * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return value;
}

template <typename T>
void store(std::string& bytes, int64_t index, T value) {
  std::memcpy(bytes.data() + index * static_cast<int64_t>(sizeof(T)), &value, sizeof(T));
}

// IEEE half -> float, for reading fp16 constants (rare in shape paths, but legal).
float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  int32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {
      exponent = 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3ffu;
      bits = sign | static_cast<uint32_t>(exponent + 112) << 23 | mantissa << 13;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | mantissa << 13;
  } else {
    bits = sign | static_cast<uint32_t>(exponent + 112) << 23 | mantissa << 13;
  }
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

double element_as_double(const TensorData& t, int64_t i) {
  switch (t.dtype) {
    case DType::float32: return load<float>(t.bytes, i);
    case DType::float64: return load<double>(t.bytes, i);
    case DType::float16: return half_to_float(load<uint16_t>(t.bytes, i));
    case DType::bfloat16: {
      const uint32_t bits = static_cast<uint32_t>(load<uint16_t>(t.bytes, i)) << 16;
      float out;
      std::memcpy(&out, &bits, sizeof(out));
      return out;
    }
    case DType::int8: return load<int8_t>(t.bytes, i);
    case DType::uint8:
    case DType::boolean: return load<uint8_t>(t.bytes, i);
    case DType::int16: return load<int16_t>(t.bytes, i);
    case DType::uint16: return load<uint16_t>(t.bytes, i);
    case DType::int32: return load<int32_t>(t.bytes, i);
    case DType::uint32: return load<uint32_t>(t.bytes, i);
    case DType::int64: return static_cast<double>(load<int64_t>(t.bytes, i));
    case DType::uint64: return static_cast<double>(load<uint64_t>(t.bytes, i));
    case DType::undefined:
    case DType::string: break;
  }
  throw Error(ErrorKind::internal, "tensor of type " + std::string(dtype_name(t.dtype)) + " has no numeric value");
}

int64_t element_as_int64(const TensorData& t, int64_t i) {
  switch (t.dtype) {
    case DType::int64: return load<int64_t>(t.bytes, i);
    case DType::uint64: return static_cast<int64_t>(load<uint64_t>(t.bytes, i));
    case DType::int32: return load<int32_t>(t.bytes, i);
    case DType::uint32: return load<uint32_t>(t.bytes, i);
    case DType::int16: return load<int16_t>(t.bytes, i);
    case DType::uint16: return load<uint16_t>(t.bytes, i);
    case DType::int8: return load<int8_t>(t.bytes, i);
    case DType::uint8:
    case DType::boolean: return load<uint8_t>(t.bytes, i);
    default: {
      const double v = element_as_double(t, i);
      // Clamp before the cast: a float outside int64's range is undefined behaviour to cast.
      if (!(v > -9.2e18 && v < 9.2e18)) return v > 0 ? INT64_MAX : INT64_MIN;
      return static_cast<int64_t>(v);
    }
  }
}

}  // namespace

int64_t checked_element_count(const std::vector<int64_t>& dims, const std::string& what) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0) throw Error(ErrorKind::shape, what + ": negative dimension " + std::to_string(d));
    if (d != 0 && count > INT64_MAX / d)
      throw Error(ErrorKind::shape, what + ": element count overflows 64 bits");
    count *= d;
  }
  return count;
}

int64_t TensorData::element_count() const { return checked_element_count(dims, "tensor"); }

std::vector<int64_t> TensorData::to_int64s() const {
  const int64_t n = element_count();
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = element_as_int64(*this, i);
  return out;
}

std::vector<double> TensorData::to_doubles() const {
  const int64_t n = element_count();
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = element_as_double(*this, i);
  return out;
}

TensorData TensorData::from_int64s(DType dtype, std::vector<int64_t> dims, const std::vector<int64_t>& values) {
  TensorData t;
  t.dtype = dtype;
  t.dims = std::move(dims);
  t.bytes.resize(values.size() * dtype_size_bytes(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    const auto idx = static_cast<int64_t>(i);
    switch (dtype) {
      case DType::int64: store<int64_t>(t.bytes, idx, values[i]); break;
      case DType::uint64: store<uint64_t>(t.bytes, idx, static_cast<uint64_t>(values[i])); break;
      case DType::int32: store<int32_t>(t.bytes, idx, static_cast<int32_t>(values[i])); break;
      case DType::uint32: store<uint32_t>(t.bytes, idx, static_cast<uint32_t>(values[i])); break;
      case DType::int16: store<int16_t>(t.bytes, idx, static_cast<int16_t>(values[i])); break;
      case DType::uint16: store<uint16_t>(t.bytes, idx, static_cast<uint16_t>(values[i])); break;
      case DType::int8: store<int8_t>(t.bytes, idx, static_cast<int8_t>(values[i])); break;
      case DType::uint8: store<uint8_t>(t.bytes, idx, static_cast<uint8_t>(values[i])); break;
      case DType::boolean: store<uint8_t>(t.bytes, idx, values[i] != 0 ? 1 : 0); break;
      case DType::float32: store<float>(t.bytes, idx, static_cast<float>(values[i])); break;
      case DType::float64: store<double>(t.bytes, idx, static_cast<double>(values[i])); break;
      default: throw Error(ErrorKind::internal, "cannot build a constant of type " + std::string(dtype_name(dtype)));
    }
  }
  return t;
}

TensorData TensorData::from_doubles(DType dtype, std::vector<int64_t> dims, const std::vector<double>& values) {
  if (dtype == DType::float32 || dtype == DType::float64) {
    TensorData t;
    t.dtype = dtype;
    t.dims = std::move(dims);
    t.bytes.resize(values.size() * dtype_size_bytes(dtype));
    for (size_t i = 0; i < values.size(); ++i) {
      if (dtype == DType::float32)
        store<float>(t.bytes, static_cast<int64_t>(i), static_cast<float>(values[i]));
      else
        store<double>(t.bytes, static_cast<int64_t>(i), values[i]);
    }
    return t;
  }
  std::vector<int64_t> ints(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    ints[i] = !(v > -9.2e18 && v < 9.2e18) ? (v > 0 ? INT64_MAX : INT64_MIN) : static_cast<int64_t>(v);
  }
  return from_int64s(dtype, std::move(dims), ints);
}

}  // namespace ir
