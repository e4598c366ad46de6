#pragma once
// What a cut edge between two CPU devices costs in a replay: not a copy (they share memory)
// but the producer's driver telling the consumer's, which may have gone to sleep, and the
// consumer's device picking the node up. Measured on the real drivers: a chain of small nodes
// replayed all on one device and alternating between the two; the difference per edge is the
// cut's latency (link kind "cut"), which the planner charges each tensor crossing.
#include <vector>

#include "profiler/profile.h"
#include "runtime/device.h"

namespace profiler {

// Per ordered pair of CPU devices on disjoint pinned cores. `timed_us` grows by the time spent.
std::vector<LinkProfile> measure_cut_edges(const std::vector<runtime::Device*>& devices, double& timed_us);

}  // namespace profiler
