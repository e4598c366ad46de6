#include "planner/device_groups.h"

#include <algorithm>
#include <functional>

#include "runtime/device_spec.h"

namespace planner {

std::set<int> cores_of(const costmodel::DeviceModel& device) {
  if (device.estimated) return {};
  const std::vector<int> cores = runtime::cores_in_description(device.description);
  return {cores.begin(), cores.end()};
}

std::vector<std::vector<std::string>> device_groupings(const costmodel::CostModel& costs, size_t most_sets) {
  std::vector<size_t> grouped;  // devices holding cores
  std::vector<std::set<int>> cores;
  std::vector<std::string> free;  // devices holding none: in every set
  for (size_t d = 0; d < costs.devices.size(); ++d) {
    std::set<int> c = cores_of(costs.devices[d]);
    if (c.empty()) {
      free.push_back(costs.devices[d].name);
    } else {
      grouped.push_back(d);
      cores.push_back(std::move(c));
    }
  }
  auto disjoint = [&](size_t a, size_t b) {
    for (int core : cores[a])
      if (cores[b].count(core)) return false;
    return true;
  };
  // Depth-first over the grouped devices, taking or skipping each; a set is kept when no
  // skipped device could have joined it (maximal).
  std::vector<std::vector<size_t>> found;
  std::vector<size_t> taken;
  std::function<void(size_t)> visit = [&](size_t k) {
    if (found.size() >= most_sets) return;
    if (k == grouped.size()) {
      for (size_t other = 0; other < grouped.size(); ++other) {
        if (std::find(taken.begin(), taken.end(), other) != taken.end()) continue;
        if (std::all_of(taken.begin(), taken.end(), [&](size_t t) { return disjoint(t, other); })) return;  // not maximal
      }
      if (!taken.empty()) found.push_back(taken);
      return;
    }
    if (std::all_of(taken.begin(), taken.end(), [&](size_t t) { return disjoint(t, k); })) {
      taken.push_back(k);
      visit(k + 1);
      taken.pop_back();
    }
    visit(k + 1);
  };
  visit(0);
  std::vector<std::vector<std::string>> sets;
  for (const std::vector<size_t>& set : found) {
    sets.emplace_back();
    for (size_t d = 0; d < costs.devices.size(); ++d) {
      const bool in_set = std::any_of(set.begin(), set.end(), [&](size_t k) { return grouped[k] == d; });
      const bool holds_none = std::find(free.begin(), free.end(), costs.devices[d].name) != free.end();
      if (in_set || holds_none) sets.back().push_back(costs.devices[d].name);
    }
  }
  if (sets.empty()) sets.push_back(free);
  return sets;
}

}  // namespace planner
