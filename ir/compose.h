#pragma once
// One graph from a model and the pre- and post-processing graphs around it (`--pre`, `--post`),
// so a plan covers decoding and resizing an image, inference, and turning logits into classes.
// The pre graph's outputs feed the model's inputs of the same name; the model's outputs feed
// the post graph's inputs of the same name. Weights are shared, not copied.
#include <string>

#include "ir/graph.h"

namespace ir {

struct LabelledGraph {
  const Graph* graph = nullptr;  // nullptr: none
  std::string label;             // its file, for messages
};

// The composed graph: the pre graph's inputs, then the model's inputs it does not feed; the
// post graph's outputs, then the model's outputs it does not read. The pre and post graphs'
// node names, and their tensor names other than those graph inputs and outputs, get "pre/" and
// "post/" in front, so they never collide with the model's.
// Throws ir::Error(model) naming the file and tensor when a pre output matches no model input,
// a post input no model output, their element types or declared shapes differ, or the opsets
// differ (kernels read some ops by opset).
Graph compose(const LabelledGraph& pre, const Graph& model, const std::string& model_label, const LabelledGraph& post);

}  // namespace ir
