#include "runtime/host_tensors.h"

#include <algorithm>
#include <memory>
#include <string>

#include "ir/error.h"

namespace runtime {

Tensor host_tensor(ir::DType dtype, const std::vector<int64_t>& shape) {
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  const auto bytes = static_cast<size_t>(std::max<int64_t>(t.size_bytes(), 1));
  t.storage = std::shared_ptr<void>(new char[bytes], std::default_delete<char[]>());
  t.data = t.storage.get();
  return t;
}

void fill_random(Tensor& t, std::mt19937& rng) {
  const int64_t n = t.element_count();
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 3);    // indices: valid for any axis of 4 or more
  std::uniform_int_distribution<int> byte(0, 255);  // uint8 inputs are pixels: the full range
  std::uniform_int_distribution<int> signed_byte(-128, 127);
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case ir::DType::float32: t.as<float>()[i] = real(rng); break;
      case ir::DType::float64: t.as<double>()[i] = real(rng); break;
      case ir::DType::int64: t.as<int64_t>()[i] = small(rng); break;
      case ir::DType::int32: t.as<int32_t>()[i] = small(rng); break;
      case ir::DType::boolean: t.as<uint8_t>()[i] = static_cast<uint8_t>(small(rng) & 1); break;
      case ir::DType::uint8: t.as<uint8_t>()[i] = static_cast<uint8_t>(byte(rng)); break;
      case ir::DType::int8: t.as<int8_t>()[i] = static_cast<int8_t>(signed_byte(rng)); break;
      default: throw ir::Error(ir::ErrorKind::unsupported, "no random values for type " + std::string(ir::dtype_name(t.dtype)) + " (partplan run takes --inputs instead)");
    }
  }
}

}  // namespace runtime
