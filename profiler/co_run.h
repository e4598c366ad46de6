#pragma once
// What a device loses while the others work: CPU devices on cores of their own share caches,
// memory bandwidth and (on a machine of hyperthreads) execution units. Each device runs the
// whole model again and again while all the others do the same; its median over its median
// alone is its co-run factor, which the planner's simulator charges a node for the share of its
// time another device is busy.
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "profiler/profile.h"
#include "runtime/device.h"

namespace profiler {

// Per co-running device (CPU devices with pairwise disjoint pinned cores, in `devices` order;
// at least two, each with a fused time in `alone`): its factor. Empty when fewer than two.
// `timed_us` grows by the time spent.
std::map<std::string, double> measure_co_run(const ir::Graph& graph, const std::vector<runtime::Device*>& devices, const std::map<std::string, WholeModel>& alone,
                                             double& timed_us);

}  // namespace profiler
