#include "planner/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace planner {

namespace {

// A resource that does one thing at a time and fills the earliest gap that fits: a copy engine.
class Timeline {
 public:
  double reserve(double ready_us, double duration_us) {
    double start = ready_us;
    for (const auto& [begin, end] : busy_) {
      if (start + duration_us <= begin) break;
      start = std::max(start, end);
    }
    busy_.insert(std::upper_bound(busy_.begin(), busy_.end(), std::make_pair(start, start + duration_us)), {start, start + duration_us});
    return start;
  }

 private:
  std::vector<std::pair<double, double>> busy_;  // sorted, disjoint
};

struct Interval {
  double from_us, to_us;
  int64_t bytes;
};

// The peak of live bytes; with `steps`, every change as (time, live bytes from then on).
int64_t peak_of(std::vector<Interval> intervals, std::vector<std::pair<double, int64_t>>* steps = nullptr) {
  std::vector<std::pair<double, int64_t>> events;
  for (const Interval& i : intervals) {
    events.push_back({i.from_us, i.bytes});
    events.push_back({std::max(i.to_us, i.from_us), -i.bytes});
  }
  // At one instant frees go first: a tensor released as another is allocated never coexist.
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : a.second < b.second; });
  int64_t live = 0, peak = 0;
  for (const auto& [time, delta] : events) {
    live += delta;
    peak = std::max(peak, live);
    if (!steps) continue;
    if (!steps->empty() && steps->back().first == time) steps->back().second = live;
    else steps->push_back({time, live});
  }
  return peak;
}

}  // namespace

int64_t Schedule::copied_bytes() const {
  int64_t total = 0;
  for (const Copy& c : copies) total += c.bytes;
  return total;
}

int64_t gpu_peak_bytes(const Problem& p, const Schedule& s) {
  int64_t peak = 0;
  for (size_t d = 0; d < p.devices.size(); ++d)
    if (p.devices[d].is_gpu) peak = std::max(peak, s.peak_bytes[d]);
  return peak;
}

std::vector<int> graph_order(const Problem& problem) {
  std::vector<int> order(problem.nodes.size());
  std::iota(order.begin(), order.end(), 0);
  return order;
}

Schedule simulate(const Problem& problem, const std::vector<int>& device_of, const std::vector<int>& priority, bool record_memory) {
  const size_t node_count = problem.nodes.size(), device_count = problem.devices.size();
  for (size_t n = 0; n < node_count; ++n) {
    const int d = device_of[n];
    if (d < 0 || static_cast<size_t>(d) >= device_count || !(problem.nodes[n].time_us[static_cast<size_t>(d)] < cannot_run))
      throw std::invalid_argument("node '" + problem.nodes[n].name + "' is assigned to a device that cannot run it");
  }
  std::vector<int> order(node_count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return priority[static_cast<size_t>(a)] < priority[static_cast<size_t>(b)]; });

  Schedule s;
  s.start_us.assign(node_count, 0);
  s.end_us.assign(node_count, 0);
  s.busy_us.assign(device_count, 0);
  std::vector<double> device_free(device_count, 0);
  // Per device, its nodes' (start, end) in the order they run (so sorted by both): what another
  // device's node overlaps when it is stretched by its co-run factor.
  std::vector<std::vector<std::pair<double, double>>> runs(device_count);
  const bool any_co_run = std::any_of(problem.devices.begin(), problem.devices.end(), [](const PlanDevice& d) { return d.co_run_factor != 1; });
  // The time within [from, to) that devices other than `d` are running, at most to - from.
  auto others_busy = [&](size_t d, double from, double to) {
    double busy = 0;
    for (size_t o = 0; o < device_count; ++o) {
      if (o == d) continue;
      const auto& r = runs[o];
      auto it = std::upper_bound(r.begin(), r.end(), from, [](double t, const std::pair<double, double>& run) { return t < run.second; });
      for (; it != r.end() && it->first < to; ++it) busy += std::min(to, it->second) - std::max(from, it->first);
    }
    return std::min(busy, to - from);
  };
  // Per tensor and place (host first, then the devices), flat: simulate runs thousands of times
  // per plan (maps made one of 2,000 nodes 1.8 ms instead of 1.2). NaN: not there (yet).
  const size_t places = device_count + 1;
  auto at = [&](int tensor, int place) { return static_cast<size_t>(tensor) * places + static_cast<size_t>(place + 1); };
  const double absent = std::numeric_limits<double>::quiet_NaN();
  std::vector<Timeline> engines(places * places);                    // (from, to): its copy engine
  std::vector<double> ready_at(problem.tensors.size() * places, absent);  // time the tensor is there
  std::vector<double> last_use(problem.tensors.size() * places, absent);  // last reader's end there (or outgoing copy's)
  std::vector<double> arrived(problem.tensors.size() * places, absent);   // allocation time there
  auto use_until = [&](int tensor, int place, double time) {
    double& used = last_use[at(tensor, place)];
    used = std::isnan(used) ? time : std::max(used, time);
  };

  // Where a tensor must be: each device that reads it, and the host for a graph output.
  std::vector<int> destinations;
  auto find_destinations = [&](const PlanTensor& t) {
    destinations.clear();
    for (int c : t.consumers) {
      const int d = device_of[static_cast<size_t>(c)];
      if (std::find(destinations.begin(), destinations.end(), d) == destinations.end()) destinations.push_back(d);
    }
    if (t.graph_output && std::find(destinations.begin(), destinations.end(), host) == destinations.end()) destinations.push_back(host);
  };
  // The tensor, available at `from` at `time`, moved to every place that needs it.
  auto deliver = [&](int tensor, int from, double time) {
    const PlanTensor& t = problem.tensors[static_cast<size_t>(tensor)];
    ready_at[at(tensor, from)] = time;
    find_destinations(t);
    for (int to : destinations) {
      if (to == from) continue;
      if (problem.shares_memory(from, to)) {  // a hand-off: nothing copied
        ready_at[at(tensor, to)] = time + problem.link(from, to).latency_us;
        continue;
      }
      const double duration = problem.link(from, to).time_us(t.bytes);
      const double start = engines[static_cast<size_t>(from + 1) * places + static_cast<size_t>(to + 1)].reserve(time, duration);
      s.copies.push_back({tensor, from, to, t.bytes, start, start + duration});
      ready_at[at(tensor, to)] = start + duration;
      arrived[at(tensor, to)] = start;
      use_until(tensor, from, start + duration);  // the source stays alive until it is read
    }
  };
  for (size_t t = 0; t < problem.tensors.size(); ++t)
    if (problem.tensors[t].producer < 0) deliver(static_cast<int>(t), host, 0.0);

  for (int n : order) {
    const PlanNode& node = problem.nodes[static_cast<size_t>(n)];
    const int d = device_of[static_cast<size_t>(n)];
    double start = device_free[static_cast<size_t>(d)];
    for (int t : node.inputs) {
      const double ready = ready_at[at(t, d)];
      if (std::isnan(ready)) throw std::invalid_argument("priority is not a topological order: node '" + node.name + "' reads a tensor not yet produced");
      start = std::max(start, ready);
    }
    double cost = node.cost_on(static_cast<size_t>(d), device_of);
    if (any_co_run && cost > 0) {
      const double factor = problem.devices[static_cast<size_t>(d)].co_run_factor;
      cost *= 1 + (factor - 1) * others_busy(static_cast<size_t>(d), start, start + cost) / cost;
    }
    const double end = start + cost;
    if (any_co_run) runs[static_cast<size_t>(d)].push_back({start, end});
    s.start_us[static_cast<size_t>(n)] = start;
    s.end_us[static_cast<size_t>(n)] = end;
    s.busy_us[static_cast<size_t>(d)] += end - start;
    device_free[static_cast<size_t>(d)] = end;
    for (int t : node.inputs) use_until(t, d, end);
    for (int t : node.outputs) {
      arrived[at(t, d)] = start;
      use_until(t, d, end);
      deliver(t, d, end);
    }
  }

  for (size_t t = 0; t < problem.tensors.size(); ++t)
    if (problem.tensors[t].graph_output) {
      const double there = ready_at[at(static_cast<int>(t), host)];
      if (!std::isnan(there)) s.makespan_us = std::max(s.makespan_us, there);
    }
  for (size_t n = 0; n < node_count; ++n) s.makespan_us = std::max(s.makespan_us, s.end_us[n]);

  // Memory per device: resident weights plus each activation from its allocation there to its
  // last use there (graph inputs live in the caller's memory, not a device's).
  std::vector<std::vector<Interval>> intervals(device_count);
  for (size_t n = 0; n < node_count; ++n)
    intervals[static_cast<size_t>(device_of[n])].push_back({0.0, s.makespan_us, problem.nodes[n].weight_bytes});
  for (size_t t = 0; t < problem.tensors.size(); ++t)
    for (size_t d = 0; d < device_count; ++d) {
      const double from = arrived[at(static_cast<int>(t), static_cast<int>(d))];
      if (std::isnan(from)) continue;
      const double used = last_use[at(static_cast<int>(t), static_cast<int>(d))];
      intervals[d].push_back({from, std::isnan(used) ? from : used, problem.tensors[t].bytes});
    }
  s.peak_bytes.resize(device_count);
  if (record_memory) s.memory_steps.resize(device_count);
  for (size_t d = 0; d < device_count; ++d) s.peak_bytes[d] = peak_of(intervals[d], record_memory ? &s.memory_steps[d] : nullptr);
  return s;
}

}  // namespace planner
