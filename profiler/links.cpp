#include "profiler/links.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "profiler/measure.h"
#include "runtime/host_tensors.h"

namespace profiler {

namespace {

// Short budgets: a link point is one call, far more regular than a kernel.
MeasureOptions link_options() {
  MeasureOptions o;
  o.warmup = 2;
  o.min_reps = 5;
  o.max_reps = 200;
  o.min_time_ms = 5;
  o.max_time_ms = 200;
  o.target_spread = 0.05;
  return o;
}

// Host -> device and device -> host copies at sizes 4 B .. 256 MiB from pageable host memory
// (how the executor hands tensors over) or page-locked memory (the copy engine's own speed);
// nothing for "pinned" on a device without page-locked memory.
void append_copy_links(runtime::Device& device, const std::string& host_memory, double& timed_us, std::vector<LinkProfile>& links) {
  const bool pinned = host_memory == "pinned";
  if (pinned && device.allocate_host(1) == nullptr) return;
  const MeasureOptions options = link_options();
  LinkProfile to_device{"host", device.name(), "copy", host_memory, {}, 0, std::nullopt};
  LinkProfile to_host{device.name(), "host", "copy", host_memory, {}, 0, std::nullopt};
  for (int64_t bytes = 4; bytes <= (int64_t{256} << 20); bytes *= 4) {
    runtime::Tensor pageable;
    std::shared_ptr<void> page_locked;
    void* host = nullptr;
    if (pinned) {
      page_locked = device.allocate_host(static_cast<size_t>(bytes));
      host = page_locked.get();
    } else {
      pageable = runtime::host_tensor(ir::DType::uint8, {bytes});
      host = pageable.data;
    }
    runtime::Tensor on_device = device.allocate(ir::DType::uint8, {bytes});
    auto timer = device.make_timer();
    // A copy to the device may return before its DMA ends: the device's timer waits for it.
    const Stats up = measure([&] {
      timer->start();
      device.copy_from_host(host, on_device);
      return timer->stop_us();
    }, options);
    const Stats down = measure([&] {
      runtime::SteadyClockTimer clock;
      clock.start();
      device.copy_to_host(on_device, host);
      return clock.stop_us();
    }, options);
    timed_us += up.total_us + down.total_us;
    to_device.points.push_back({bytes, up.median_us});
    to_host.points.push_back({bytes, down.median_us});
  }
  fit_link(to_device);
  fit_link(to_host);
  links.push_back(std::move(to_device));
  links.push_back(std::move(to_host));
}

}  // namespace

// Weighted by 1 / time^2 (relative error), so the small sizes, where latency shows, count as
// much as the large ones, where bandwidth does.
void fit_link(LinkProfile& link) {
  if (link.points.empty()) return;
  double w_sum = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const LinkPoint& p : link.points) {
    const double w = 1.0 / std::max(p.time_us * p.time_us, 1e-12);
    const auto x = static_cast<double>(p.bytes);
    w_sum += w;
    sx += w * x;
    sy += w * p.time_us;
    sxx += w * x * x;
    sxy += w * x * p.time_us;
  }
  const double denominator = w_sum * sxx - sx * sx;
  double slope = denominator > 0 ? (w_sum * sxy - sx * sy) / denominator : 0.0;  // us per byte
  double latency = (sy - slope * sx) / w_sum;
  if (latency < 0) {  // a line through the origin instead: no negative latency
    latency = 0;
    slope = sxx > 0 ? sxy / sxx : 0.0;
  }
  link.latency_us = latency;
  if (slope > 0) link.bandwidth_gb_s = 1e-3 / slope;  // bytes/us = 1e6 B/s; GB/s = 1e-3 / (us per byte)
  else link.bandwidth_gb_s.reset();
}

std::vector<LinkProfile> measure_links(const std::vector<runtime::Device*>& devices, double& timed_us) {
  std::vector<LinkProfile> links;
  const MeasureOptions options = link_options();
  for (runtime::Device* device : devices) {
    if (device->host_accessible()) {
      // A CPU device reads host memory as it is: handing it work costs one round trip to its
      // worker thread, the same from the host or from another CPU device.
      LinkProfile link{"host", device->name(), "hand-off", "", {}, 0, std::nullopt};
      const Stats s = measure([&] {
        runtime::SteadyClockTimer timer;
        timer.start();
        device->execute([] {});
        return timer.stop_us();
      }, options);
      timed_us += s.total_us;
      link.points.push_back({0, s.median_us});
      link.latency_us = s.median_us;
      links.push_back(std::move(link));
      continue;
    }
    append_copy_links(*device, "pageable", timed_us, links);
    append_copy_links(*device, "pinned", timed_us, links);
  }
  return links;
}

}  // namespace profiler
