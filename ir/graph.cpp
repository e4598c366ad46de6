#include "ir/graph.h"

namespace ir {

int64_t Tensor::size_bytes() const {
  if (!shape_known) return 0;
  int64_t count = 1;
  for (int64_t d : shape) count *= d;  // resolve_shapes has already checked for overflow
  return count * static_cast<int64_t>(dtype_size_bytes(dtype));
}

std::optional<TensorId> Graph::find_tensor(const std::string& tensor_name) const {
  auto it = tensor_index_.find(tensor_name);
  if (it == tensor_index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ir
