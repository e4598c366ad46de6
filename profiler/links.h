#pragma once
// The links between devices, measured and fitted as latency + bytes / bandwidth: host <-> GPU
// copies (both directions, 4 B to 256 MiB, from pageable memory as the executor hands tensors
// over and from page-locked memory) and the hand-off between CPU devices, which share memory
// and copy nothing.
#include <vector>

#include "profiler/profile.h"
#include "runtime/device.h"

namespace profiler {

// Adds the time spent inside timed transfers to `timed_us`.
std::vector<LinkProfile> measure_links(const std::vector<runtime::Device*>& devices, double& timed_us);

// Least squares of time = latency + bytes / bandwidth over the points, weighted for relative
// error (bandwidth in GB/s, empty when the points do not rise with size); latency never
// negative (the line then goes through the origin).
void fit_link(LinkProfile& link);

}  // namespace profiler
