#pragma once
// What `partplan run` feeds a model, with or without a plan: input tensors read from an ONNX
// test folder (--inputs) or made at random from a seed, in host memory; and the process's
// peak memory it reports beside the run.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/shape_inference.h"
#include "onnx_loader/tensor_file.h"
#include "runtime/tensor.h"

namespace cli {

// The input_K.pb files of `dir`, one per graph input and named as they are (checked), whose
// shapes are added to `bindings` where --shape did not bind them already.
std::vector<onnx_loader::NamedTensor> read_input_files(const std::string& dir, const ir::Graph& graph, ir::ShapeBindings& bindings);

// Per graph input, in host memory: the given file's values (shape and dtype checked against the
// resolved graph) or random ones from `rng`.
std::vector<runtime::Tensor> host_inputs(const ir::Graph& graph, const std::vector<onnx_loader::NamedTensor>& given, std::mt19937& rng);

// "[1,3,224,224]".
std::string shape_text(const std::vector<int64_t>& shape);

// The process's peak resident set so far, in bytes.
int64_t peak_rss_bytes();

}  // namespace cli
