#include "costmodel/features.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "ir/cost.h"

namespace costmodel {

namespace {

// Recurrent ops pay a per-step cost (a dependent chain of small GEMMs): their steps are a
// term of their own. X is [seq, batch, input] (layout 0, the only one exported by torch).
double recurrent_steps(const NodeFeatures& f) {
  if (f.input_shapes.empty() || f.input_shapes[0].empty()) return 0;
  return static_cast<double>(f.input_shapes[0][0]);
}

bool has_steps(const NodeFeatures& f) { return op_family(f.op_type) == "recurrent"; }

std::string family_of_cost_function(const std::string& cost) {
  static const std::map<std::string, std::string> families = {
      {"cost_elementwise", "elementwise"}, {"cost_none", "movement"},         {"cost_resize", "movement"},
      {"cost_conv", "conv"},               {"cost_conv_transpose", "conv"},   {"cost_gemm", "matmul"},
      {"cost_matmul", "matmul"},           {"cost_einsum", "matmul"},         {"cost_normalization", "normalization"},
      {"cost_pool", "pool"},               {"cost_reduce", "reduce"},         {"cost_softmax", "reduce"},
      {"cost_topk", "reduce"},             {"cost_rnn", "recurrent"}};
  auto it = families.find(cost);
  return it == families.end() ? "other" : it->second;
}

}  // namespace

NodeFeatures features_of(const profiler::NodeRecord& record, const std::string& model_sha256) {
  return {model_sha256,
          record.name,
          record.op_type,
          record.input_shapes,
          record.flops,
          static_cast<double>(record.bytes_read + record.bytes_written),
          static_cast<double>(record.param_bytes)};
}

NodeFeatures features_of(const ir::Graph& graph, ir::NodeId node, const std::string& model_sha256) {
  const ir::Node& n = graph.nodes[static_cast<size_t>(node)];
  const ir::NodeCost& cost = graph.costs[static_cast<size_t>(node)];
  NodeFeatures f{model_sha256, n.name, n.op_type, {}, cost.flops, static_cast<double>(cost.bytes_read + cost.bytes_written),
                 static_cast<double>(cost.param_bytes)};
  for (ir::TensorId t : n.inputs) f.input_shapes.push_back(t == ir::no_tensor ? std::vector<int64_t>{} : graph.tensor(t).shape);
  return f;
}

std::optional<double> planning_us(const profiler::NodeResult& result) {
  if (!result.stats) return std::nullopt;
  const double device_us = result.stats->median_us;
  return result.gpu ? std::max(device_us, result.gpu->launch.median_us) : device_us;
}

double planning_us(const profiler::WholeModel& whole) {
  return whole.unfused_gpu ? std::max(whole.unfused.median_us, whole.unfused_gpu->launch.median_us) : whole.unfused.median_us;
}

double run_us(const profiler::WholeModel& whole) {
  if (!whole.fused) return planning_us(whole);
  return whole.fused_gpu ? std::max(whole.fused->median_us, whole.fused_gpu->launch.median_us) : whole.fused->median_us;
}

std::string op_family(const std::string& op_type) {
  static const std::map<std::string, std::string> by_op = [] {
    std::map<std::string, std::string> m;
#define PARTPLAN_OP(name, shape_function, cost_function) m[#name] = family_of_cost_function(#cost_function);
#include "ir/ops.def"
#undef PARTPLAN_OP
    return m;
  }();
  auto it = by_op.find(op_type);
  return it == by_op.end() ? "other" : it->second;
}

const char* form_name(Form form) {
  switch (form) {
    case Form::linear: return "linear";
    case Form::quadratic: return "quadratic";
    case Form::loglog: return "loglog";
    case Form::proportional: return "proportional";
  }
  return "linear";
}

Form form_from_name(const std::string& name) {
  for (Form f : {Form::linear, Form::quadratic, Form::loglog, Form::proportional})
    if (name == form_name(f)) return f;
  throw std::invalid_argument("unknown cost-model form '" + name + "'");
}

std::vector<double> terms(const NodeFeatures& f, Form form) {
  switch (form) {
    case Form::proportional: return {1.0, f.work()};
    case Form::loglog: {
      std::vector<double> t = {1.0, std::log1p(f.flops), std::log1p(f.bytes)};
      if (has_steps(f)) t.push_back(std::log1p(recurrent_steps(f)));
      return t;
    }
    case Form::linear:
    case Form::quadratic: {
      std::vector<double> t = {1.0, f.flops, f.bytes};
      if (has_steps(f)) t.push_back(recurrent_steps(f));
      if (form == Form::quadratic) {
        t.push_back(f.flops * f.flops);
        t.push_back(f.bytes * f.bytes);
        t.push_back(f.flops * f.bytes);
      }
      return t;
    }
  }
  return {};
}

std::vector<std::string> term_names(const NodeFeatures& f, Form form) {
  switch (form) {
    case Form::proportional: return {"1", "work"};
    case Form::loglog: {
      std::vector<std::string> t = {"1", "ln(1+flops)", "ln(1+bytes)"};
      if (has_steps(f)) t.push_back("ln(1+steps)");
      return t;
    }
    case Form::linear:
    case Form::quadratic: {
      std::vector<std::string> t = {"1", "flops", "bytes"};
      if (has_steps(f)) t.push_back("steps");
      if (form == Form::quadratic) {
        t.push_back("flops^2");
        t.push_back("bytes^2");
        t.push_back("flops*bytes");
      }
      return t;
    }
  }
  return {};
}

}  // namespace costmodel
