#include "costmodel/validation.h"

#include <algorithm>

#include "ir/error.h"

namespace costmodel {

Check check_batch(const DeviceModel& device, const profiler::Profile& profile, const std::string& path, const profiler::BatchProfile& batch) {
  Check check;
  check.device = device.name;
  check.model_path = path;
  check.batch = batch.batch;
  std::vector<Point> points;
  std::vector<double> chain, op_only;
  double sum = 0;
  bool every_node = true;
  for (const profiler::NodeRecord& record : batch.nodes) {
    const NodeFeatures f = features_of(record, profile.model_sha256);
    const Prediction p = device.predict(f);
    sum += p.us * device.run_scale(f);
    auto it = record.devices.find(device.name);
    const std::optional<double> measured = it != record.devices.end() ? planning_us(it->second) : std::nullopt;
    if (!measured) {
      every_node = false;
      continue;
    }
    points.push_back({f, batch.batch, *measured});
    chain.push_back(p.us);
    check.predictions.push_back({device.name, record.name, record.op_type, batch.batch, points.back().us, p.us, source_name(p.source)});
    op_only.push_back(device.predict(f, false).us);
    ++check.sources[source_name(p.source)];
  }
  check.nodes = accuracy_of(points, chain);
  check.nodes_op_only = accuracy_of(points, op_only);
  auto whole = batch.whole_model.find(device.name);
  if (every_node && whole != batch.whole_model.end()) {
    check.whole_measured_us = run_us(whole->second);
    check.whole_predicted_us = sum;
  }
  return check;
}

std::vector<Check> holdout_checks(const std::vector<profiler::Profile>& profiles, const std::vector<std::string>& paths,
                                  const std::vector<int64_t>& held_out, const FitOptions& options) {
  std::vector<profiler::Profile> training = profiles;
  for (int64_t b : held_out) {
    bool found = false;
    for (const profiler::Profile& p : profiles)
      for (const profiler::BatchProfile& batch : p.batches) found = found || batch.batch == b;
    if (!found) throw ir::Error(ir::ErrorKind::usage, "--holdout-batch " + std::to_string(b) + ": no profile has batch " + std::to_string(b));
  }
  auto is_held = [&](const profiler::BatchProfile& b) { return b.batch && std::find(held_out.begin(), held_out.end(), *b.batch) != held_out.end(); };
  for (profiler::Profile& p : training) std::erase_if(p.batches, is_held);
  if (std::all_of(training.begin(), training.end(), [](const profiler::Profile& p) { return p.batches.empty(); }))
    throw ir::Error(ir::ErrorKind::usage, "--holdout-batch holds out every batch the profiles have: nothing is left to fit on");
  const CostModel model = fit_cost_model(training, paths, options);
  std::vector<Check> checks;
  for (size_t i = 0; i < profiles.size(); ++i)
    for (const profiler::BatchProfile& batch : profiles[i].batches) {
      if (!is_held(batch)) continue;
      for (const profiler::DeviceInfo& info : profiles[i].devices)
        if (const DeviceModel* device = model.device(info.name)) checks.push_back(check_batch(*device, profiles[i], paths[i], batch));
    }
  return checks;
}

std::vector<Check> test_checks(const CostModel& model, const profiler::Profile& profile, const std::string& path) {
  std::vector<Check> checks;
  for (const profiler::BatchProfile& batch : profile.batches)
    for (const profiler::DeviceInfo& info : profile.devices)
      if (const DeviceModel* device = model.device(info.name)) checks.push_back(check_batch(*device, profile, path, batch));
  return checks;
}

}  // namespace costmodel
