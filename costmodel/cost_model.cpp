#include "costmodel/cost_model.h"

#include <algorithm>
#include <cmath>

namespace costmodel {

double relative_error(double predicted_us, double measured_us) { return (predicted_us - measured_us) / std::max(measured_us, time_floor_us); }

double Formula::predict(const NodeFeatures& f) const {
  const std::vector<double> t = costmodel::terms(f, form);
  double sum = 0;
  for (size_t i = 0; i < t.size() && i < coefficients.size(); ++i) sum += coefficients[i] * t[i];
  if (form == Form::loglog) return std::exp(std::min(sum, 700.0));
  return std::max(sum, 0.0);
}

bool NodeHistory::has_line() const {
  for (const auto& p : points)
    if (p.first != points.front().first) return true;
  return false;
}

double Roofline::predict(const NodeFeatures& f) const {
  const double compute = flops_per_s > 0 ? f.flops / flops_per_s * 1e6 : 0.0;
  const double memory = bytes_per_s > 0 ? f.bytes / bytes_per_s * 1e6 : 0.0;
  return launch_us + std::max(compute, memory);
}

const char* source_name(Source source) {
  switch (source) {
    case Source::measured: return "measured";
    case Source::node: return "node";
    case Source::op: return "op";
    case Source::family: return "family";
    case Source::roofline: return "roofline";
  }
  return "roofline";
}

bool DeviceModel::can_run(const NodeFeatures& f) const {
  if (declined_ops.count(f.op_type)) return false;
  return std::find(declined_nodes.begin(), declined_nodes.end(), f.model_sha256 + "/" + f.name) == declined_nodes.end();
}

const NodeHistory* DeviceModel::history(const NodeFeatures& f) const {
  for (const NodeHistory& h : nodes)
    if (h.name == f.name && h.model_sha256 == f.model_sha256 && h.op_type == f.op_type) return &h;
  return nullptr;
}

double DeviceModel::run_scale(const NodeFeatures& f) const {
  if (const NodeHistory* h = history(f); h != nullptr && h->in_run_scale >= 0) return h->in_run_scale;
  if (auto it = in_run_scale.find(f.op_type); it != in_run_scale.end()) return it->second;
  return whole_model_scale;
}

bool DeviceModel::fused_in_runs(const NodeFeatures& f) const {
  const NodeHistory* h = history(f);
  return h != nullptr && h->in_run_scale == 0;
}

Prediction DeviceModel::predict(const NodeFeatures& f, bool use_history) const {
  if (const NodeHistory* h = use_history ? history(f) : nullptr) {
    const double work = f.work();
    double sum = 0;
    int count = 0;
    for (const auto& [w, us] : h->points)
      if (std::abs(w - work) <= 1e-9 * std::max(1.0, std::abs(work))) {
        sum += us;
        ++count;
      }
    if (count > 0) return {sum / count, Source::measured, estimated};
    if (h->has_line()) return {std::max(0.0, h->intercept_us + h->slope_us * work), Source::node, estimated};
  }
  if (auto it = ops.find(f.op_type); it != ops.end()) return {it->second.predict(f), Source::op, estimated};
  if (auto it = families.find(op_family(f.op_type)); it != families.end()) return {it->second.predict(f), Source::family, estimated};
  return {roofline.predict(f), Source::roofline, estimated};
}

const DeviceModel* CostModel::device(const std::string& name) const {
  for (const DeviceModel& d : devices)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace costmodel
