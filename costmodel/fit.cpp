#include "costmodel/fit.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <fmt/format.h>

#include "costmodel/least_squares.h"
#include "ir/error.h"
#include "profiler/profiler.h"

namespace costmodel {

namespace {

// Log fits take the time from 0.01 µs up: a node measured at 0 (a GPU alias) stays finite.
constexpr double log_floor_us = 0.01;
// An earlier, simpler form is kept unless a later one is better by this much MAPE.
constexpr double simpler_form_margin = 0.005;

std::vector<double> solve(const std::vector<Point>& points, Form form) {
  if (form == Form::proportional) {
    double work = 0, us = 0;
    for (const Point& p : points) {
      work += p.features.work();
      us += p.us;
    }
    if (work > 0) return {0.0, us / work};
    return {points.empty() ? 0.0 : us / static_cast<double>(points.size()), 0.0};
  }
  WeightedProblem problem;
  for (const Point& p : points) {
    problem.rows.push_back(terms(p.features, form));
    if (form == Form::loglog) {
      problem.y.push_back(std::log(std::max(p.us, log_floor_us)));
      problem.w.push_back(1.0);  // log space is relative already
    } else {
      problem.y.push_back(p.us);
      problem.w.push_back(1.0 / std::max(p.us, time_floor_us));  // relative error
    }
  }
  return form == Form::loglog ? least_squares(problem) : nonnegative_least_squares(problem);
}

constexpr size_t most_anchors = 8;

// Up to most_anchors of the points, evenly spaced in the order of their work, the smallest and
// largest included.
std::vector<Anchor> anchors_of(const std::vector<Point>& points) {
  std::vector<Anchor> all;
  for (const Point& p : points) all.push_back({p.features.work(), p.us});
  std::sort(all.begin(), all.end(), [](const Anchor& a, const Anchor& b) { return a.work < b.work; });
  if (all.size() <= most_anchors) return all;
  std::vector<Anchor> picked;
  for (size_t k = 0; k < most_anchors; ++k) picked.push_back(all[k * (all.size() - 1) / (most_anchors - 1)]);
  return picked;
}

Formula formula_of(const std::vector<Point>& points, Form form) {
  Formula f;
  f.form = form;
  f.terms = term_names(points.front().features, form);
  f.coefficients = solve(points, form);
  f.samples = static_cast<int>(points.size());
  f.anchors = anchors_of(points);
  return f;
}

// A power law whose exponents no kernel has: time falling as a size grows faster than it
// rises with another, or growing beyond the cube of a size. Least squares gives these on
// collinear features (bytes that are a fixed multiple of FLOPs): two huge exponents of
// opposite signs that cancel on the training points and nowhere else.
constexpr double most_exponent = 3.0;
std::string runaway_exponents(const Formula& f) {
  if (f.form != Form::loglog) return "";
  for (size_t i = 1; i < f.coefficients.size(); ++i)
    if (!(std::abs(f.coefficients[i]) <= most_exponent)) {
      std::string list;
      for (size_t k = 1; k < f.coefficients.size(); ++k) list += fmt::format("{}{:.4g}", k > 1 ? ", " : "", f.coefficients[k]);
      return fmt::format("loglog refused: exponents {} (collinear features extrapolate without limit)", list);
    }
  return "";
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

Accuracy accuracy_of(const std::vector<Point>& points, const std::vector<double>& predicted) {
  Accuracy a;
  a.points = static_cast<int>(points.size());
  if (points.empty()) return a;
  std::vector<std::pair<double, size_t>> errors;
  for (size_t i = 0; i < points.size(); ++i) {
    const double e = std::abs(relative_error(predicted[i], points[i].us));
    errors.push_back({e, i});
    a.mape += e;
    a.within_10 += e <= 0.10 ? 1 : 0;
    a.within_25 += e <= 0.25 ? 1 : 0;
  }
  const auto n = static_cast<double>(points.size());
  a.mape /= n;
  a.within_10 /= n;
  a.within_25 /= n;
  std::stable_sort(errors.begin(), errors.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (size_t k = 0; k < errors.size() && k < 3; ++k) {
    const Point& p = points[errors[k].second];
    a.worst.push_back({p.features.name, p.batch, p.us, predicted[errors[k].second]});
  }
  return a;
}

std::vector<double> cross_validated(const std::vector<Point>& points, Form form, const FitOptions& options) {
  const size_t n = points.size();
  const size_t k = std::min<size_t>(static_cast<size_t>(std::max(options.folds, 2)), n);
  if (n < 3 || k < 2) return {};
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(options.seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<size_t> fold(n);
  for (size_t i = 0; i < n; ++i) fold[order[i]] = i % k;
  std::vector<double> predicted(n, 0.0);
  for (size_t f = 0; f < k; ++f) {
    std::vector<Point> train;
    for (size_t i = 0; i < n; ++i)
      if (fold[i] != f) train.push_back(points[i]);
    const Formula formula = formula_of(train, form);
    for (size_t i = 0; i < n; ++i)
      if (fold[i] == f) predicted[i] = formula.predict(points[i].features);
  }
  return predicted;
}

std::optional<Formula> fit_formula(const std::vector<Point>& points, const FitOptions& options) {
  if (points.empty()) return std::nullopt;
  std::set<double> works;
  for (const Point& p : points) works.insert(p.features.work());
  if (points.size() < 3 || works.size() < 2) return formula_of(points, Form::proportional);
  std::optional<Formula> best;
  std::string refused;
  for (Form form : {Form::linear, Form::loglog, Form::quadratic}) {
    // Degree 2 only with points to spare: its six terms overfit a handful of nodes.
    if (form == Form::quadratic && points.size() < terms(points.front().features, form).size() + 3) continue;
    const std::vector<double> oof = cross_validated(points, form, options);
    if (oof.empty()) continue;
    const Accuracy cv = accuracy_of(points, oof);
    if (best && cv.mape >= best->cv.mape - simpler_form_margin) continue;
    Formula f = formula_of(points, form);
    if (std::string why = runaway_exponents(f); !why.empty()) {
      refused = std::move(why);
      continue;
    }
    f.cv = cv;
    best = std::move(f);
  }
  if (!best) best = formula_of(points, Form::proportional);
  best->note = refused;
  return best;
}

std::vector<Point> points_of(const profiler::Profile& profile, const std::string& device) {
  std::vector<Point> points;
  for (const profiler::BatchProfile& batch : profile.batches)
    for (const profiler::NodeRecord& record : batch.nodes) {
      auto it = record.devices.find(device);
      if (it == record.devices.end()) continue;
      if (const std::optional<double> us = planning_us(it->second)) points.push_back({features_of(record, profile.model_sha256), batch.batch, *us});
    }
  return points;
}

namespace {

NodeHistory history_of(const std::vector<Point>& points) {
  NodeHistory h{points.front().features.model_sha256, points.front().features.name, points.front().features.op_type, {}, 0, 0};
  for (const Point& p : points) h.points.push_back({p.features.work(), p.us});
  if (h.has_line()) {
    // Unweighted, unlike the formulas: one node's sizes differ by the batch alone, and its
    // largest sizes, whose time least reflects fixed overheads and timer noise, should set the
    // slope that unprofiled (usually larger) batches extrapolate along. Measured on the bench
    // models, this predicted held-out batches 8 and 16 better than relative weighting.
    WeightedProblem problem;
    for (const Point& p : points) {
      problem.rows.push_back({1.0, p.features.work()});
      problem.y.push_back(p.us);
      problem.w.push_back(1.0);
    }
    const std::vector<double> c = nonnegative_least_squares(problem);
    h.intercept_us = c[0];
    h.slope_us = c[1];
  }
  return h;
}

// What the device sustained over the profiled work, for op kinds it has never run: all FLOPs
// of its computing nodes over their time, all bytes of its data-moving nodes over theirs, and
// its quickest nodes' time (10th percentile) as the launch cost. Neither the best rate seen
// nor the median node's fits an op kind unlike the rest: from resnet50 and a transformer, an
// LSTM (34 GFLOP/s here) is predicted 4x short at the best or sustained rate and 3x long at
// the median; the sustained rate is the one that does not depend on how many tiny nodes a
// model has. The fit report shows such predictions with their error.
Roofline roofline_of(const std::vector<Point>& points) {
  Roofline r;
  std::vector<double> times;
  double flops = 0, compute_us = 0, bytes = 0, memory_us = 0;
  for (const Point& p : points) {
    times.push_back(p.us);
    if (p.us < time_floor_us) continue;
    if (p.features.flops > 0) {
      flops += p.features.flops;
      compute_us += p.us;
    } else if (p.features.bytes > 0) {
      bytes += p.features.bytes;
      memory_us += p.us;
    }
  }
  r.flops_per_s = compute_us > 0 ? flops / compute_us * 1e6 : 0.0;
  r.bytes_per_s = memory_us > 0 ? bytes / memory_us * 1e6 : 0.0;
  std::sort(times.begin(), times.end());
  if (!times.empty()) r.launch_us = times[times.size() / 10];
  return r;
}

double whole_model_scale(const std::vector<profiler::Profile>& profiles, const std::string& device) {
  std::vector<double> ratios;
  for (const profiler::Profile& p : profiles)
    for (const profiler::BatchProfile& b : p.batches) {
      auto it = b.whole_model.find(device);
      if (it == b.whole_model.end()) continue;
      // Node by node as the points are (planning_us), not the profile's sum of kernel medians.
      double nodes_us = 0;
      for (const profiler::NodeRecord& record : b.nodes) {
        auto result = record.devices.find(device);
        if (result != record.devices.end()) nodes_us += planning_us(result->second).value_or(0.0);
      }
      const double whole_us = run_us(it->second);
      if (nodes_us > 0 && whole_us > 0) ratios.push_back(whole_us / nodes_us);
    }
  return ratios.empty() ? 1.0 : median(ratios);
}

// Per kernel, what the replay pays beyond the fused runs (median over the batches).
double dispatch_us(const std::vector<profiler::Profile>& profiles, const std::string& device) {
  std::vector<double> per_kernel;
  for (const profiler::Profile& p : profiles)
    for (const profiler::BatchProfile& b : p.batches) {
      auto it = b.whole_model.find(device);
      if (it == b.whole_model.end() || !it->second.replayed || !it->second.fused) continue;
      int kernels = 0;
      for (const auto& [node, us] : it->second.fused_node_us) kernels += us > 0;
      if (it->second.fused_node_us.empty())
        for (const profiler::NodeRecord& r : b.nodes) kernels += r.devices.count(device) > 0;
      if (kernels > 0) per_kernel.push_back(std::max(0.0, it->second.replayed->median_us - it->second.fused->median_us) / kernels);
    }
  return per_kernel.empty() ? 0.0 : median(per_kernel);
}

// Each node's time inside the fused runs against its time alone, where the profile has both.
struct InRun {
  std::string key;  // model sha256 \n node name \n op type, as by_node's keys
  std::string op_type;
  double alone_us, in_run_us;
};

std::vector<InRun> in_run_times(const std::vector<profiler::Profile>& profiles, const std::string& device) {
  std::vector<InRun> out;
  for (const profiler::Profile& p : profiles)
    for (const profiler::BatchProfile& b : p.batches) {
      auto whole = b.whole_model.find(device);
      if (whole == b.whole_model.end() || whole->second.fused_node_us.empty()) continue;
      for (const profiler::NodeRecord& record : b.nodes) {
        auto result = record.devices.find(device);
        auto in_run = whole->second.fused_node_us.find(record.name);
        if (result == record.devices.end() || in_run == whole->second.fused_node_us.end()) continue;
        const std::optional<double> alone = planning_us(result->second);
        if (alone && *alone > 0) out.push_back({p.model_sha256 + "\n" + record.name + "\n" + record.op_type, record.op_type, *alone, in_run->second});
      }
    }
  return out;
}

// Per op kind, summed time in the runs over summed time alone: a ratio of sums, so the big
// nodes that decide a plan weigh most.
std::map<std::string, double> in_run_scale_by_op(const std::vector<InRun>& times) {
  std::map<std::string, std::pair<double, double>> sums;
  for (const InRun& t : times) {
    sums[t.op_type].first += t.in_run_us;
    sums[t.op_type].second += t.alone_us;
  }
  std::map<std::string, double> scale;
  for (const auto& [op, s] : sums) scale[op] = s.first / s.second;
  return scale;
}

}  // namespace

std::vector<PointPrediction> cross_validated_points(const std::vector<profiler::Profile>& profiles, const CostModel& model, const FitOptions& options) {
  std::vector<PointPrediction> out;
  for (const DeviceModel& device : model.devices) {
    std::map<std::string, std::vector<Point>> by_op;
    for (const profiler::Profile& p : profiles)
      for (Point& point : points_of(p, device.name)) by_op[point.features.op_type].push_back(std::move(point));
    for (const auto& [op, points] : by_op) {
      auto formula = device.ops.find(op);
      if (formula == device.ops.end() || formula->second.cv.points == 0) continue;
      const std::vector<double> predicted = cross_validated(points, formula->second.form, options);
      for (size_t i = 0; i < predicted.size(); ++i)
        out.push_back({device.name, points[i].features.name, op, points[i].batch, points[i].us, predicted[i], "cv"});
    }
  }
  return out;
}

namespace {

// A profile a cost model can learn from: devices, batches and at least one node time above 0.
void check_trainable(const profiler::Profile& p, const std::string& path) {
  auto refuse = [&](const std::string& why) { throw ir::Error(ir::ErrorKind::file, path + ": cannot fit on this profile: " + why); };
  if (p.devices.empty()) refuse("it has no devices");
  if (p.batches.empty()) refuse("it has no batches (an interrupted profile? finish it with partplan profile --resume)");
  bool timed = false;
  for (const profiler::BatchProfile& b : p.batches)
    for (const profiler::NodeRecord& n : b.nodes)
      for (const auto& [device, result] : n.devices) timed = timed || (result.stats && result.stats->median_us > 0);
  if (!timed) refuse("no node has a measured time above 0");
}

}  // namespace

CostModel fit_cost_model(const std::vector<profiler::Profile>& profiles, const std::vector<std::string>& paths, const FitOptions& options) {
  for (size_t i = 0; i < profiles.size(); ++i) check_trainable(profiles[i], paths[i]);
  CostModel model;
  // Devices by name across the profiles; one name must mean one kind of device.
  std::vector<std::pair<profiler::DeviceInfo, std::string>> devices;  // info, the first profile naming it
  for (size_t i = 0; i < profiles.size(); ++i) {
    const profiler::Profile& p = profiles[i];
    model.trained_on.push_back({paths[i], p.model_sha256, {}});
    for (const profiler::BatchProfile& b : p.batches) model.trained_on.back().batches.push_back(b.batch);
    for (const profiler::DeviceInfo& d : p.devices) {
      auto same = std::find_if(devices.begin(), devices.end(), [&](const auto& e) { return e.first.name == d.name; });
      if (same == devices.end()) {
        devices.push_back({d, paths[i]});
      } else if (same->first.spec != d.spec || same->first.timer != d.timer) {
        throw ir::Error(ir::ErrorKind::usage, paths[i] + ": device " + d.name + " is '" + d.spec + "' timed with " + d.timer + ", but in " +
                                                  same->second + " it is '" + same->first.spec + "' timed with " + same->first.timer +
                                                  "; fit profiles of the same devices together");
      }
    }
  }
  for (const auto& [info, first_path] : devices) {
    DeviceModel d;
    d.name = info.name;
    d.spec = info.spec;
    d.description = info.description;
    d.timer = info.timer;
    for (size_t i = 0; i < profiles.size() && d.machine.empty(); ++i)
      if (paths[i] == first_path) d.machine = profiler::machine_summary(profiles[i].machine);
    std::vector<Point> points;
    for (const profiler::Profile& p : profiles) {
      std::vector<Point> more = points_of(p, info.name);
      points.insert(points.end(), more.begin(), more.end());
    }
    std::map<std::string, std::vector<Point>> by_op, by_family, by_node;
    for (const Point& p : points) {
      by_op[p.features.op_type].push_back(p);
      by_family[op_family(p.features.op_type)].push_back(p);
      by_node[p.features.model_sha256 + "\n" + p.features.name + "\n" + p.features.op_type].push_back(p);
    }
    for (const auto& [op, op_points] : by_op)
      if (auto f = fit_formula(op_points, options)) d.ops[op] = *f;
    for (const auto& [family, family_points] : by_family)
      if (auto f = fit_formula(family_points, options)) d.families[family] = *f;
    const std::vector<InRun> in_run = in_run_times(profiles, info.name);
    std::map<std::string, std::vector<double>> node_scales;  // by by_node's key, one per batch
    for (const InRun& t : in_run) node_scales[t.key].push_back(t.in_run_us / t.alone_us);
    for (const auto& [key, node_points] : by_node) {
      d.nodes.push_back(history_of(node_points));
      if (auto it = node_scales.find(key); it != node_scales.end()) d.nodes.back().in_run_scale = median(it->second);
    }
    d.in_run_scale = in_run_scale_by_op(in_run);
    for (const profiler::Profile& p : profiles)
      for (const profiler::BatchProfile& b : p.batches)
        for (const profiler::NodeRecord& r : b.nodes) {
          auto it = r.devices.find(info.name);
          if (it == r.devices.end() || it->second.stats) continue;
          if (by_op.count(r.op_type)) {
            const std::string key = p.model_sha256 + "/" + r.name;
            if (std::find(d.declined_nodes.begin(), d.declined_nodes.end(), key) == d.declined_nodes.end()) d.declined_nodes.push_back(key);
          } else {
            d.declined_ops.emplace(r.op_type, it->second.unsupported);
          }
        }
    d.roofline = roofline_of(points);
    d.whole_model_scale = whole_model_scale(profiles, info.name);
    d.dispatch_us = dispatch_us(profiles, info.name);
    std::vector<double> co_run;
    for (const profiler::Profile& p : profiles)
      for (const profiler::BatchProfile& b : p.batches)
        if (auto it = b.co_run.find(info.name); it != b.co_run.end()) co_run.push_back(it->second);
    // Below 1 is noise (sharing cores' caches and bandwidth never speeds a device up).
    d.co_run_factor = co_run.empty() ? 1.0 : std::max(1.0, median(co_run));
    model.devices.push_back(std::move(d));
  }
  for (const profiler::Profile& p : profiles)
    for (const profiler::BatchProfile& b : p.batches)
      for (const profiler::BatchProfile::Alternating& a : b.alternating) model.split_checks.push_back({p.model_sha256, a.first, a.second, b.input_shapes, a.split_us});
  // Links: the latest profile's figure for each link.
  for (const profiler::Profile& p : profiles)
    for (const profiler::LinkProfile& l : p.links) {
      auto same = std::find_if(model.links.begin(), model.links.end(),
                               [&](const profiler::LinkProfile& m) { return m.from == l.from && m.to == l.to && m.kind == l.kind && m.host_memory == l.host_memory; });
      if (same == model.links.end()) model.links.push_back(l);
      else *same = l;
    }
  return model;
}

}  // namespace costmodel
