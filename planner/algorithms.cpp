#include "planner/algorithms.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>

namespace planner {

namespace {

bool can_run(const Problem& p, int node, int device) { return p.nodes[static_cast<size_t>(node)].time_us[static_cast<size_t>(device)] < cannot_run; }

// Moving a tensor of `bytes` from place `from` to place `to` (host or device), as the simulator
// charges it: nothing on one device, the hand-off latency within shared memory, a copy else.
double transfer_us(const Problem& p, int from, int to, int64_t bytes) {
  if (from == to) return 0.0;
  if (p.shares_memory(from, to)) return p.link(from, to).latency_us;
  return p.link(from, to).time_us(bytes);
}

// Priority from scores (larger first), ties in the problem's topological order.
std::vector<int> priority_from(const std::vector<double>& score) {
  std::vector<int> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[static_cast<size_t>(a)] > score[static_cast<size_t>(b)]; });
  std::vector<int> priority(score.size());
  for (size_t k = 0; k < order.size(); ++k) priority[static_cast<size_t>(order[k])] = static_cast<int>(k);
  return priority;
}

// Upward rank with per-node times `w` and per-edge costs `edge(tensor, producer, consumer)`.
template <typename EdgeCost>
std::vector<double> upward_rank(const Problem& p, const std::vector<double>& w, EdgeCost edge) {
  std::vector<double> rank(p.nodes.size(), 0.0);
  for (size_t i = p.nodes.size(); i-- > 0;) {
    double after = 0;
    for (int t : p.nodes[i].outputs)
      for (int c : p.tensors[static_cast<size_t>(t)].consumers) after = std::max(after, edge(t, static_cast<int>(i), c) + rank[static_cast<size_t>(c)]);
    rank[i] = w[i] + after;
  }
  return rank;
}

}  // namespace

std::vector<int> rank_priority(const Problem& p, const std::vector<int>& device_of) {
  std::vector<double> w(p.nodes.size());
  for (size_t n = 0; n < p.nodes.size(); ++n) w[n] = p.nodes[n].time_us[static_cast<size_t>(device_of[n])];
  return priority_from(upward_rank(p, w, [&](int t, int from, int to) {
    return transfer_us(p, device_of[static_cast<size_t>(from)], device_of[static_cast<size_t>(to)], p.tensors[static_cast<size_t>(t)].bytes);
  }));
}

std::optional<Assignment> all_on(const Problem& p, int device) {
  for (size_t n = 0; n < p.nodes.size(); ++n)
    if (!can_run(p, static_cast<int>(n), device)) return std::nullopt;
  Assignment a{std::vector<int>(p.nodes.size(), device), {}};
  a.priority = rank_priority(p, a.device_of);
  return a;
}

Assignment gpu_with_fallback(const Problem& p, int gpu, int cpu) {
  Assignment a;
  for (size_t n = 0; n < p.nodes.size(); ++n) {
    int d = can_run(p, static_cast<int>(n), gpu) ? gpu : cpu;
    for (size_t other = 0; !can_run(p, static_cast<int>(n), d) && other < p.devices.size(); ++other) d = static_cast<int>(other);
    a.device_of.push_back(d);
  }
  a.priority = rank_priority(p, a.device_of);
  return a;
}

Assignment heft(const Problem& p, const std::vector<int>& pinned) {
  const size_t count = p.nodes.size(), devices = p.devices.size();
  auto allowed = [&](size_t n, size_t d) { return can_run(p, static_cast<int>(n), static_cast<int>(d)) && (pinned.empty() || pinned[n] < 0 || pinned[n] == static_cast<int>(d)); };
  // Mean costs over the devices a node may use, and over all pairs of devices for a copy.
  std::vector<double> mean_time(count, 0.0);
  for (size_t n = 0; n < count; ++n) {
    int k = 0;
    for (size_t d = 0; d < devices; ++d)
      if (allowed(n, d)) {
        mean_time[n] += p.nodes[n].time_us[d];
        ++k;
      }
    mean_time[n] = k > 0 ? mean_time[n] / k : 0.0;
  }
  const std::vector<double> rank = upward_rank(p, mean_time, [&](int t, int, int) {
    if (devices < 2) return 0.0;
    double sum = 0;
    for (size_t a = 0; a < devices; ++a)
      for (size_t b = 0; b < devices; ++b)
        if (a != b) sum += transfer_us(p, static_cast<int>(a), static_cast<int>(b), p.tensors[static_cast<size_t>(t)].bytes);
    return sum / static_cast<double>(devices * (devices - 1));
  });
  const std::vector<int> by_rank = priority_from(rank);
  std::vector<int> order(count);
  for (size_t n = 0; n < count; ++n) order[static_cast<size_t>(by_rank[n])] = static_cast<int>(n);

  std::vector<std::vector<std::pair<double, double>>> busy(devices);  // per device: sorted intervals
  std::vector<double> start(count, 0), finish(count, 0);
  Assignment a{std::vector<int>(count, 0), {}};
  for (int n : order) {
    const PlanNode& node = p.nodes[static_cast<size_t>(n)];
    double best_finish = cannot_run, best_start = 0;
    int best_device = -1;
    for (size_t d = 0; d < devices; ++d) {
      if (!allowed(static_cast<size_t>(n), d)) continue;
      double ready = 0;
      for (int t : node.inputs) {
        const PlanTensor& tensor = p.tensors[static_cast<size_t>(t)];
        const int from = tensor.producer < 0 ? host : a.device_of[static_cast<size_t>(tensor.producer)];
        const double produced = tensor.producer < 0 ? 0.0 : finish[static_cast<size_t>(tensor.producer)];
        ready = std::max(ready, produced + transfer_us(p, from, static_cast<int>(d), tensor.bytes));
      }
      const double w = node.time_us[d];
      double s = ready;  // the earliest gap from `ready` that fits
      for (const auto& [begin, end] : busy[d]) {
        if (s + w <= begin) break;
        s = std::max(s, end);
      }
      if (s + w < best_finish) {
        best_finish = s + w;
        best_start = s;
        best_device = static_cast<int>(d);
      }
    }
    if (best_device < 0) best_device = 0;  // no device can run it: the simulator will say so
    a.device_of[static_cast<size_t>(n)] = best_device;
    start[static_cast<size_t>(n)] = best_start;
    finish[static_cast<size_t>(n)] = best_finish;
    auto& intervals = busy[static_cast<size_t>(best_device)];
    intervals.insert(std::upper_bound(intervals.begin(), intervals.end(), std::make_pair(best_start, best_finish)), {best_start, best_finish});
  }
  // Each device runs its nodes in HEFT's start order; ties keep the rank order.
  std::vector<int> by_start(count);
  std::iota(by_start.begin(), by_start.end(), 0);
  std::stable_sort(by_start.begin(), by_start.end(), [&](int x, int y) {
    return start[static_cast<size_t>(x)] != start[static_cast<size_t>(y)] ? start[static_cast<size_t>(x)] < start[static_cast<size_t>(y)]
                                                                          : by_rank[static_cast<size_t>(x)] < by_rank[static_cast<size_t>(y)];
  });
  a.priority.assign(count, 0);
  for (size_t k = 0; k < count; ++k) a.priority[static_cast<size_t>(by_start[k])] = static_cast<int>(k);
  return a;
}

std::vector<int> chain_from(const Problem& p, int n) {
  std::vector<int> chain = {n};
  while (true) {
    const PlanNode& last = p.nodes[static_cast<size_t>(chain.back())];
    int next = -1;
    bool sole = !last.outputs.empty();
    for (int t : last.outputs) {
      const PlanTensor& tensor = p.tensors[static_cast<size_t>(t)];
      if (tensor.graph_output || tensor.consumers.size() != 1 || (next >= 0 && tensor.consumers[0] != next)) sole = false;
      else next = tensor.consumers[0];
    }
    if (!sole || next < 0) return chain;
    chain.push_back(next);
  }
}


std::vector<bool> critical_nodes(const Problem& p, const Assignment& a, const Schedule& s) {
  const size_t count = p.nodes.size();
  std::vector<int> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return a.priority[static_cast<size_t>(x)] < a.priority[static_cast<size_t>(y)]; });
  std::vector<int> next_on_device(count, -1), last_on(p.devices.size(), -1);
  for (int n : order) {
    const int d = a.device_of[static_cast<size_t>(n)];
    if (last_on[static_cast<size_t>(d)] >= 0) next_on_device[static_cast<size_t>(last_on[static_cast<size_t>(d)])] = n;
    last_on[static_cast<size_t>(d)] = n;
  }
  // The delay each tensor actually took to reach a place (copy-engine waits included): with the
  // links' bare costs instead, every node would show the engines' waiting as slack.
  std::map<std::pair<int, int>, double> copied_at;  // (tensor, to) -> the copy's end
  for (const Copy& c : s.copies) copied_at[{c.tensor, c.to}] = c.end_us;
  auto delay_us = [&](int tensor, int from, int to, double produced_us) {
    auto it = copied_at.find({tensor, to});
    if (it != copied_at.end()) return it->second - produced_us;
    return transfer_us(p, from, to, p.tensors[static_cast<size_t>(tensor)].bytes);
  };
  // Latest starts that keep the makespan, backwards through the queues and the data edges.
  std::vector<double> latest_start(count, 0.0);
  std::vector<bool> critical(count, false);
  const double tolerance = 1e-6 * std::max(1.0, s.makespan_us);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const size_t n = static_cast<size_t>(*it);
    const int d = a.device_of[n];
    double latest_finish = s.makespan_us;
    for (int t : p.nodes[n].outputs) {
      const PlanTensor& tensor = p.tensors[static_cast<size_t>(t)];
      if (tensor.graph_output) latest_finish = std::min(latest_finish, s.makespan_us - delay_us(t, d, host, s.end_us[n]));
      for (int c : tensor.consumers)
        latest_finish = std::min(latest_finish, latest_start[static_cast<size_t>(c)] - delay_us(t, d, a.device_of[static_cast<size_t>(c)], s.end_us[n]));
    }
    if (next_on_device[n] >= 0) latest_finish = std::min(latest_finish, latest_start[static_cast<size_t>(next_on_device[n])]);
    latest_start[n] = latest_finish - p.nodes[n].time_us[static_cast<size_t>(d)];
    critical[n] = latest_start[n] - s.start_us[n] <= tolerance;
  }
  return critical;
}

SearchResult refine(const Problem& p, Assignment start, const SearchOptions& options) {
  const auto began = std::chrono::steady_clock::now();
  auto out_of_time = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count() > options.time_limit_s; };
  auto pinned_elsewhere = [&](int n, int d) { return !options.pinned.empty() && options.pinned[static_cast<size_t>(n)] >= 0 && options.pinned[static_cast<size_t>(n)] != d; };
  SearchResult r;
  r.assignment = std::move(start);
  r.schedule = simulate(p, r.assignment.device_of, r.assignment.priority);
  r.iterations = 1;
  auto within_limit = [&](const Schedule& s) { return options.gpu_mem_limit_bytes <= 0 || gpu_peak_bytes(p, s) <= options.gpu_mem_limit_bytes; };
  // A move must win by more than rounding: the search ends, and the same inputs give the same plan.
  auto better = [](double candidate, double best) { return candidate < best - 1e-9 * std::max(1.0, best); };
  bool improved = true;
  while (improved && !r.timed_out) {
    improved = false;
    // Critical nodes first (only a change on the critical path can shorten the makespan
    // directly); on large graphs only they are tried, which bounds a pass by the path's length.
    const std::vector<bool> critical = critical_nodes(p, r.assignment, r.schedule);
    std::vector<int> order;
    for (int pass = 0; pass < 2; ++pass)
      for (size_t n = 0; n < p.nodes.size(); ++n)
        if (critical[n] == (pass == 0) && (pass == 0 || p.nodes.size() <= large_graph_nodes)) order.push_back(static_cast<int>(n));
    std::stable_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::count(critical.begin(), critical.end(), true)),
                     [&](int a, int b) { return r.assignment.priority[static_cast<size_t>(a)] < r.assignment.priority[static_cast<size_t>(b)]; });
    for (int n : order) {
      if (out_of_time()) {
        r.timed_out = true;
        break;
      }
      const int current = r.assignment.device_of[static_cast<size_t>(n)];
      const std::vector<int> chain = chain_from(p, n);
      for (size_t d = 0; d < p.devices.size(); ++d) {
        if (static_cast<int>(d) == current) continue;
        std::vector<size_t> lengths = {1};
        if (chain.size() > 1) lengths.push_back(chain.size());
        for (size_t length : lengths) {
          if (length == 1 && (!can_run(p, n, static_cast<int>(d)) || pinned_elsewhere(n, static_cast<int>(d)))) continue;
          if (length > 1 && std::any_of(chain.begin(), chain.end(), [&](int m) {
                return !can_run(p, m, static_cast<int>(d)) || pinned_elsewhere(m, static_cast<int>(d));
              }))
            continue;
          Assignment candidate = r.assignment;
          for (size_t k = 0; k < length; ++k) candidate.device_of[static_cast<size_t>(chain[k])] = static_cast<int>(d);
          candidate.priority = rank_priority(p, candidate.device_of);
          Schedule s = simulate(p, candidate.device_of, candidate.priority);
          ++r.iterations;
          if (within_limit(r.schedule) && !within_limit(s)) continue;
          if (better(s.makespan_us, r.schedule.makespan_us)) {
            r.assignment = std::move(candidate);
            r.schedule = std::move(s);
            ++r.moves;
            improved = true;
            break;
          }
        }
        if (r.assignment.device_of[static_cast<size_t>(n)] != current) break;
      }
    }
  }
  return r;
}

SearchResult plan_latency(const Problem& p, const SearchOptions& options) {
  std::vector<Assignment> starts = {heft(p, options.pinned)};
  auto respects_pins = [&](const Assignment& a) {
    for (size_t n = 0; n < options.pinned.size(); ++n)
      if (options.pinned[n] >= 0 && a.device_of[n] != options.pinned[n]) return false;
    return true;
  };
  for (size_t d = 0; d < p.devices.size(); ++d)
    if (auto a = all_on(p, static_cast<int>(d)); a && respects_pins(*a)) starts.push_back(*a);
  for (size_t g = 0; g < p.devices.size(); ++g)
    for (size_t c = 0; c < p.devices.size(); ++c)
      if (p.devices[g].is_gpu && !p.devices[c].is_gpu) {
        Assignment a = gpu_with_fallback(p, static_cast<int>(g), static_cast<int>(c));
        if (respects_pins(a)) starts.push_back(std::move(a));
      }
  // On large graphs each refinement is costly: HEFT's start and the best of the others only.
  if (p.nodes.size() > large_graph_nodes && starts.size() > 2) {
    size_t best_other = 1;
    double best_makespan = cannot_run;
    for (size_t k = 1; k < starts.size(); ++k) {
      const double m = simulate(p, starts[k].device_of, starts[k].priority).makespan_us;
      if (m < best_makespan) {
        best_makespan = m;
        best_other = k;
      }
    }
    starts = {starts[0], starts[best_other]};
  }
  // The time limit is shared: each start gets what the ones before it left.
  const auto began = std::chrono::steady_clock::now();
  SearchResult best;
  bool have = false;
  int iterations = 0;
  for (const Assignment& start : starts) {
    SearchOptions o = options;
    o.time_limit_s = std::max(0.0, options.time_limit_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    SearchResult r = refine(p, start, o);
    iterations += r.iterations;
    if (!have || r.schedule.makespan_us < best.schedule.makespan_us - 1e-9 * std::max(1.0, best.schedule.makespan_us)) {
      best = std::move(r);
      have = true;
    }
  }
  best.iterations = iterations;
  return best;
}

}  // namespace planner
