#include "planner/pipeline.h"

#include <algorithm>
#include <functional>
#include <limits>

namespace planner {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

// What stages need to know of the order: prefix sums of node times per device, and the bytes
// crossing each cut (tensors produced before it and read at or after it, plus graph inputs
// still to be read; cut 0: the graph inputs; cut n: the graph outputs).
struct Prefix {
  std::vector<std::vector<double>> time;  // [device][i]: nodes [0, i) on the device
  std::vector<int64_t> crossing;          // [i]
};

Prefix prefix_of(const Problem& p) {
  const size_t n = p.nodes.size(), devices = p.devices.size();
  Prefix pre;
  pre.time.assign(devices, std::vector<double>(n + 1, 0.0));
  for (size_t d = 0; d < devices; ++d)
    for (size_t i = 0; i < n; ++i) {
      // A node the device cannot run adds 0 here, so the sums stay finite; no stage that holds
      // one is ever formed (the callers check), and inf - inf would poison every later stage.
      const double t = p.nodes[i].time_us[d];
      pre.time[d][i + 1] = pre.time[d][i] + (t < cannot_run ? t : 0.0);
    }
  pre.crossing.assign(n + 1, 0);
  for (const PlanTensor& t : p.tensors) {
    // Alive across cut c when produced before c (graph inputs: always) and read at or after c,
    // or a graph output (needed by the host after the last stage).
    const int born = t.producer < 0 ? 0 : t.producer + 1;
    int last_read = -1;
    for (int c : t.consumers) last_read = std::max(last_read, c);
    const int until = t.graph_output ? static_cast<int>(n) : last_read;
    for (int c = born; c <= until && c <= static_cast<int>(n); ++c) pre.crossing[static_cast<size_t>(c)] += t.bytes;
  }
  return pre;
}

Pipeline assemble(const Problem& p, const Prefix& pre, const std::vector<std::pair<int, int>>& cuts_devices) {
  // cuts_devices: (first node of the stage, device) in order.
  Pipeline pipe;
  const int n = static_cast<int>(p.nodes.size());
  int previous = host;
  for (size_t k = 0; k < cuts_devices.size(); ++k) {
    const auto [first, device] = cuts_devices[k];
    const int last = k + 1 < cuts_devices.size() ? cuts_devices[k + 1].first - 1 : n - 1;
    Stage s{device, first, last, pre.time[static_cast<size_t>(device)][static_cast<size_t>(last + 1)] - pre.time[static_cast<size_t>(device)][static_cast<size_t>(first)],
            0, pre.crossing[static_cast<size_t>(first)]};
    s.transfer_us = p.transfer_us(previous, device, s.transfer_bytes);
    pipe.stages.push_back(s);
    previous = device;
  }
  const double back = p.transfer_us(previous, host, pre.crossing[static_cast<size_t>(n)]);
  for (const Stage& s : pipe.stages) {
    pipe.bottleneck_us = std::max({pipe.bottleneck_us, s.compute_us, s.transfer_us});
    pipe.latency_us += s.compute_us + s.transfer_us;
  }
  pipe.bottleneck_us = std::max(pipe.bottleneck_us, back);
  pipe.latency_us += back;
  return pipe;
}

// Throughput first, then latency: the order plans are compared in.
bool better(const Pipeline& a, const Pipeline& b) {
  if (a.bottleneck_us != b.bottleneck_us) return a.bottleneck_us < b.bottleneck_us;
  return a.latency_us < b.latency_us;
}

}  // namespace

std::vector<int> devices_of(const Problem& p, const Pipeline& pipeline) {
  std::vector<int> device_of(p.nodes.size(), 0);
  for (const Stage& s : pipeline.stages)
    for (int i = s.first; i <= s.last; ++i) device_of[static_cast<size_t>(i)] = s.device;
  return device_of;
}

std::optional<Pipeline> plan_pipeline(const Problem& p, double slo_us) {
  const int n = static_cast<int>(p.nodes.size()), devices = static_cast<int>(p.devices.size());
  if (n == 0 || devices == 0 || devices > 16) return std::nullopt;
  const Prefix pre = prefix_of(p);
  // blocked[d][i]: the first node at or after i that device d cannot run (n if none).
  std::vector<std::vector<int>> blocked(static_cast<size_t>(devices), std::vector<int>(static_cast<size_t>(n + 1), n));
  for (int d = 0; d < devices; ++d)
    for (int i = n - 1; i >= 0; --i)
      blocked[static_cast<size_t>(d)][static_cast<size_t>(i)] =
          p.nodes[static_cast<size_t>(i)].time_us[static_cast<size_t>(d)] < cannot_run ? blocked[static_cast<size_t>(d)][static_cast<size_t>(i + 1)] : i;
  // State: nodes [0, j) placed, devices `mask` used, the last stage on `last`. A state keeps
  // every (bottleneck, latency) pair no other of its pairs beats in both: the max of one and
  // the sum of the other do not order partial plans alone, and the SLO needs the latency.
  struct Entry {
    double bottleneck, latency;
    int first;   // the last stage's first node
    int device;  // and its device
    int back;    // the entry it extends; -1 for the first stage
  };
  std::vector<Entry> arena;
  const size_t masks = size_t{1} << devices;
  std::vector<std::vector<int>> front(static_cast<size_t>(n + 1) * masks * static_cast<size_t>(devices));
  auto cell = [&](int j, size_t mask, int last) -> std::vector<int>& {
    return front[(static_cast<size_t>(j) * masks + mask) * static_cast<size_t>(devices) + static_cast<size_t>(last)];
  };
  auto offer = [&](std::vector<int>& list, const Entry& e) {
    if (e.latency > slo_us) return;  // latency only grows along a plan
    for (int k : list)
      if (arena[static_cast<size_t>(k)].bottleneck <= e.bottleneck && arena[static_cast<size_t>(k)].latency <= e.latency) return;
    std::erase_if(list, [&](int k) { return e.bottleneck <= arena[static_cast<size_t>(k)].bottleneck && e.latency <= arena[static_cast<size_t>(k)].latency; });
    arena.push_back(e);
    list.push_back(static_cast<int>(arena.size()) - 1);
  };
  auto stage_cost = [&](int i, int j, int prev, int d) {
    const double compute = pre.time[static_cast<size_t>(d)][static_cast<size_t>(j)] - pre.time[static_cast<size_t>(d)][static_cast<size_t>(i)];
    return std::make_pair(compute, p.transfer_us(prev, d, pre.crossing[static_cast<size_t>(i)]));
  };
  for (int d = 0; d < devices; ++d)
    for (int j = 1; j <= n && j <= blocked[static_cast<size_t>(d)][0]; ++j) {
      const auto [compute, transfer] = stage_cost(0, j, host, d);
      offer(cell(j, size_t{1} << d, d), {std::max(compute, transfer), compute + transfer, 0, d, -1});
    }
  for (int i = 1; i < n; ++i)
    for (size_t mask = 1; mask < masks; ++mask)
      for (int prev = 0; prev < devices; ++prev) {
        const std::vector<int> from = cell(i, mask, prev);  // a copy: offers go to later cells, but keep it plain
        if (from.empty()) continue;
        for (int d = 0; d < devices; ++d) {
          if (mask & (size_t{1} << d)) continue;
          for (int j = i + 1; j <= n && j <= blocked[static_cast<size_t>(d)][static_cast<size_t>(i)]; ++j) {
            const auto [compute, transfer] = stage_cost(i, j, prev, d);
            for (int k : from) {
              const Entry& e = arena[static_cast<size_t>(k)];
              offer(cell(j, mask | (size_t{1} << d), d), {std::max({e.bottleneck, compute, transfer}), e.latency + compute + transfer, i, d, k});
            }
          }
        }
      }
  // The best end state within the SLO (the transfer back to the host included).
  std::optional<Pipeline> best;
  for (size_t mask = 1; mask < masks; ++mask)
    for (int last = 0; last < devices; ++last)
      for (int k : cell(n, mask, last)) {
        // Each entry is a stage; walking back from the end gives them last to first.
        std::vector<std::pair<int, int>> cuts;
        for (int e = k; e >= 0; e = arena[static_cast<size_t>(e)].back) cuts.push_back({arena[static_cast<size_t>(e)].first, arena[static_cast<size_t>(e)].device});
        std::reverse(cuts.begin(), cuts.end());
        Pipeline pipe = assemble(p, pre, cuts);
        if (pipe.latency_us > slo_us) continue;
        if (!best || better(pipe, *best)) best = std::move(pipe);
      }
  return best;
}

std::optional<Pipeline> brute_force_pipeline(const Problem& p, double slo_us) {
  const int n = static_cast<int>(p.nodes.size()), devices = static_cast<int>(p.devices.size());
  const Prefix pre = prefix_of(p);
  std::optional<Pipeline> best;
  std::vector<std::pair<int, int>> cuts;
  std::vector<bool> used(static_cast<size_t>(devices), false);
  // Every sequence of (first node, device) with increasing firsts and distinct devices.
  std::function<void(int)> extend = [&](int first) {
    for (int d = 0; d < devices; ++d) {
      if (used[static_cast<size_t>(d)]) continue;
      for (int end = first + 1; end <= n; ++end) {  // the stage is [first, end)
        bool runnable = true;
        for (int i = first; i < end && runnable; ++i) runnable = p.nodes[static_cast<size_t>(i)].time_us[static_cast<size_t>(d)] < cannot_run;
        if (!runnable) break;
        cuts.push_back({first, d});
        used[static_cast<size_t>(d)] = true;
        if (end == n) {
          Pipeline pipe = assemble(p, pre, cuts);
          if (pipe.latency_us <= slo_us && (!best || better(pipe, *best))) best = std::move(pipe);
        } else {
          extend(end);
        }
        used[static_cast<size_t>(d)] = false;
        cuts.pop_back();
      }
    }
  };
  if (n > 0) extend(0);
  return best;
}

}  // namespace planner
