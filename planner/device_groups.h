#pragma once
// Core groups are a choice, not an input: the CPU devices of one machine's profile may share
// cores (cpu0 and cpu1 on one core each, cpu0-1 on both), and only devices on disjoint cores
// can run at once. The device sets a plan may use are the maximal sets of devices on disjoint
// cores (on 2 cores: {cpu0, cpu1} and {cpu0-1}), each with every device that holds no cores
// of the host (a GPU, a what-if device).
#include <set>
#include <string>
#include <vector>

#include "costmodel/cost_model.h"

namespace planner {

// The cores a device description names ("cpu:threads=2 (cores 0,1)" -> {0, 1}); empty for a
// GPU, an unpinned CPU device or an estimated one.
std::set<int> cores_of(const costmodel::DeviceModel& device);

// The maximal sets of the cost model's devices that can run at once, in the cost model's order
// of devices; one set of all devices when none share cores. At most `most_sets` (the
// groupings of many core groups grow fast): the first found, which favour the earlier devices.
std::vector<std::vector<std::string>> device_groupings(const costmodel::CostModel& costs, size_t most_sets = 64);

}  // namespace planner
