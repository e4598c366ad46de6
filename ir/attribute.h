#pragma once
// A node attribute, copied out of the ONNX proto so nothing downstream sees protobuf.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/tensor_data.h"

namespace ir {

struct Attribute {
  enum class Kind { int_, float_, string, ints, floats, strings, tensor, graph, other };
  Kind kind = Kind::other;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::shared_ptr<const TensorData> tensor;
};

using Attributes = std::map<std::string, Attribute>;

}  // namespace ir
