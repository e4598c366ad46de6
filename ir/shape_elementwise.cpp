// Shape functions for elementwise ops: output shape is the (broadcast) input shape.
#include "ir/shape_context.h"

namespace ir {

void infer_unary(ShapeContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); }

void infer_broadcast(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input_dtype(0), broadcast_shapes(ctx, ctx.input_shape(0), ctx.input_shape(1)));
}

void infer_compare(ShapeContext& ctx) {
  ctx.set_output(0, DType::boolean, broadcast_shapes(ctx, ctx.input_shape(0), ctx.input_shape(1)));
}

void infer_where(ShapeContext& ctx) {
  auto shape = broadcast_shapes(ctx, ctx.input_shape(0), ctx.input_shape(1));
  ctx.set_output(0, ctx.input_dtype(1), broadcast_shapes(ctx, shape, ctx.input_shape(2)));
}

void infer_cast(ShapeContext& ctx) {
  const int64_t to = ctx.attr_int("to", 0);
  if (!is_known_dtype(static_cast<int32_t>(to)))
    throw Error(ErrorKind::unsupported, "node '" + ctx.node().name + "' (Cast): target type " + std::to_string(to) +
                                            " (float8, int4, complex or string) is not supported");
  ctx.set_output(0, static_cast<DType>(to), ctx.input_shape(0));
}

void infer_dropout(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  ctx.set_output(1, DType::boolean, ctx.input_shape(0));
}

}  // namespace ir
