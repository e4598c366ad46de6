#include "ir/ops.h"

#include <array>

namespace ir {

namespace {

constexpr std::array op_names = {
#define PARTPLAN_OP(name, shape_fn, cost_fn) std::string_view(#name),
#include "ir/ops.def"
#undef PARTPLAN_OP
};

constexpr std::array op_kinds = {
#define PARTPLAN_OP(name, shape_fn, cost_fn) OpKind::name,
#include "ir/ops.def"
#undef PARTPLAN_OP
};

}  // namespace

std::string_view op_name(OpKind op) {
  const auto index = static_cast<size_t>(op);
  return index < op_names.size() ? op_names[index] : std::string_view("unknown");
}

OpKind op_kind_from_name(std::string_view domain, std::string_view op_type) {
  if (!domain.empty() && domain != "ai.onnx") return OpKind::unknown;
  for (size_t i = 0; i < op_names.size(); ++i)
    if (op_names[i] == op_type) return op_kinds[i];
  return OpKind::unknown;
}

std::span<const OpKind> all_op_kinds() { return op_kinds; }

}  // namespace ir
