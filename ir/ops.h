#pragma once
// OpKind: one enumerator per line of ir/ops.def, plus `unknown` for anything else.
#include <span>
#include <string_view>

namespace ir {

enum class OpKind {
#define PARTPLAN_OP(name, shape_fn, cost_fn) name,
#include "ir/ops.def"
#undef PARTPLAN_OP
  unknown,
};

// The ONNX op_type for a kind ("Conv"); "unknown" for OpKind::unknown.
std::string_view op_name(OpKind op);
// The kind for an op_type in the default domain; OpKind::unknown when partplan lacks it.
OpKind op_kind_from_name(std::string_view domain, std::string_view op_type);
// Every known kind, in ops.def order (tests iterate it to check coverage).
std::span<const OpKind> all_op_kinds();

}  // namespace ir
