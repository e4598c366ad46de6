#include "costmodel/cost_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace costmodel {

namespace {
constexpr double cannot_bound = std::numeric_limits<double>::infinity();
// How far above the roofline a formula with no anchors may predict before it is not believed.
constexpr double unanchored_limit = 100.0;
}  // namespace

double relative_error(double predicted_us, double measured_us) { return (predicted_us - measured_us) / std::max(measured_us, time_floor_us); }

double Formula::predict(const NodeFeatures& f) const {
  const std::vector<double> t = costmodel::terms(f, form);
  double sum = 0;
  for (size_t i = 0; i < t.size() && i < coefficients.size(); ++i) sum += coefficients[i] * t[i];
  if (form == Form::loglog) return std::exp(std::min(sum, 700.0));
  return std::max(sum, 0.0);
}

std::optional<double> Formula::within_data(const NodeFeatures& f) const {
  const double us = predict(f);
  if (!std::isfinite(us)) return std::nullopt;
  const double work = f.work();
  // A cost model without anchors (written before them): the roofline is the only bound.
  if (anchors.empty()) return us;
  if (work <= 0) return us;
  double least_work = anchors.front().work, most_work = anchors.front().work;
  double least_rate = cannot_bound, most_rate = 0;
  for (const Anchor& a : anchors) {
    least_work = std::min(least_work, a.work);
    most_work = std::max(most_work, a.work);
    if (a.work > 0) {
      least_rate = std::min(least_rate, a.us / a.work);
      most_rate = std::max(most_rate, a.us / a.work);
    }
  }
  if (work > most_work * work_margin || work * work_margin < least_work) return std::nullopt;
  if (most_rate > 0) {
    const double rate = us / work;
    // The smallest measured nodes carry their launch cost: a rate below the slowest anchor's
    // over the margin is the formula falling as work grows, above it the formula racing away.
    if (rate > most_rate * rate_margin || rate * rate_margin < least_rate) return std::nullopt;
  }
  return us;
}

double Formula::bounded(const NodeFeatures& f) const {
  const double work = f.work();
  const Anchor* nearest = nullptr;
  double distance = cannot_bound;
  for (const Anchor& a : anchors) {
    const double d = a.work > 0 && work > 0 ? std::abs(std::log(work / a.work)) : std::abs(work - a.work);
    if (d < distance) distance = d, nearest = &a;
  }
  if (nearest == nullptr) return 0;
  return nearest->work > 0 && work > 0 ? nearest->us * work / nearest->work : nearest->us;
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
    case Source::bounded: return "bounded";
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
  const auto formula = [&](const Formula& fitted, Source source) -> Prediction {
    if (std::optional<double> us = fitted.within_data(f)) {
      // Without anchors, a form far above the roofline is taken to have run away.
      if (fitted.anchors.empty() && *us > unanchored_limit * roofline.predict(f)) return {roofline.predict(f), Source::roofline, estimated};
      return {*us, source, estimated};
    }
    if (!fitted.anchors.empty()) return {fitted.bounded(f), Source::bounded, estimated};
    return {roofline.predict(f), Source::roofline, estimated};
  };
  if (auto it = ops.find(f.op_type); it != ops.end()) return formula(it->second, Source::op);
  if (auto it = families.find(op_family(f.op_type)); it != families.end()) return formula(it->second, Source::family);
  return {roofline.predict(f), Source::roofline, estimated};
}

const DeviceModel* CostModel::device(const std::string& name) const {
  for (const DeviceModel& d : devices)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace costmodel
