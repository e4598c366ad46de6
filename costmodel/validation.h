#pragma once
// How well a cost model predicts what it was not fitted on: batch sizes held out of the
// training profiles (fit on 1,2,4, predict 8 and 16, measured), or profiles of other models.
#include <string>
#include <vector>

#include "costmodel/fit.h"

namespace costmodel {

// Fits on the profiles without the batches in `held_out`, then checks each held-out batch on
// each device. A held-out batch no profile has is an ir::Error(usage).
std::vector<Check> holdout_checks(const std::vector<profiler::Profile>& profiles, const std::vector<std::string>& paths,
                                  const std::vector<int64_t>& held_out, const FitOptions& options);

// Checks `model` on every batch and device of a profile it was not fitted on (devices it
// lacks are skipped).
std::vector<Check> test_checks(const CostModel& model, const profiler::Profile& profile, const std::string& path);

// One batch on one device: every node with a time, and the whole model.
Check check_batch(const DeviceModel& device, const profiler::Profile& profile, const std::string& path, const profiler::BatchProfile& batch);

}  // namespace costmodel
