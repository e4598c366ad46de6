// libFuzzer target: any bytes given to the loader, shape resolution and cost counting
// must end in a graph or an ir::Error, never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>

#include "ir/cost.h"
#include "ir/error.h"
#include "ir/shape_inference.h"
#include "onnx_loader/onnx_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    // External data is looked up in a folder that does not exist, so it fails cleanly.
    ir::Graph graph = onnx_loader::load_model_from_memory(data, size, "fuzz.onnx", "/nonexistent-partplan-fuzz");
    ir::ShapeBindings bindings;
    bindings.batch = 2;
    bindings.max_tensor_bytes = int64_t{1} << 30;
    ir::resolve_shapes(graph, bindings, "fuzz.onnx");
    ir::compute_costs(graph);
    (void)ir::graph_totals(graph);
  } catch (const ir::Error&) {
  }
  return 0;
}
