#include "planner/memory_objective.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace planner {

bool shed_gpu_memory(const Problem& p, SearchResult& current, int64_t target_bytes, double slo_us, const SearchOptions& options) {
  const auto began = std::chrono::steady_clock::now();
  auto elapsed_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(); };
  auto pinned_to = [&](int n) { return options.pinned.empty() ? -1 : options.pinned[static_cast<size_t>(n)]; };

  while (true) {
    if (elapsed_s() > options.time_limit_s) {
      current.timed_out = true;
      break;
    }
    const int64_t peak_now = gpu_peak_bytes(p, current.schedule);
    if (peak_now <= target_bytes) break;
    double best_score = -std::numeric_limits<double>::infinity();
    std::optional<SearchResult> best;
    for (size_t n = 0; n < p.nodes.size(); ++n) {
      if (!p.devices[static_cast<size_t>(current.assignment.device_of[n])].is_gpu || pinned_to(static_cast<int>(n)) >= 0) continue;
      const std::vector<int> chain = chain_from(p, static_cast<int>(n));
      std::vector<size_t> lengths = {1};
      if (chain.size() > 1) lengths.push_back(chain.size());
      for (size_t d = 0; d < p.devices.size(); ++d) {
        if (p.devices[d].is_gpu) continue;
        for (size_t length : lengths) {
          bool movable = true;
          for (size_t k = 0; k < length && movable; ++k) {
            const int m = chain[k];
            movable = p.nodes[static_cast<size_t>(m)].time_us[d] < cannot_run && (pinned_to(m) < 0 || pinned_to(m) == static_cast<int>(d));
          }
          if (!movable) continue;
          Assignment candidate = current.assignment;
          for (size_t k = 0; k < length; ++k) candidate.device_of[static_cast<size_t>(chain[k])] = static_cast<int>(d);
          candidate.priority = rank_priority(p, candidate.device_of);
          Schedule s = simulate(p, candidate.device_of, candidate.priority);
          ++current.iterations;
          if (s.makespan_us > slo_us) continue;
          const int64_t saved = peak_now - gpu_peak_bytes(p, s);
          if (saved <= 0) continue;
          const double added = s.makespan_us - current.schedule.makespan_us;
          // Bytes saved per microsecond added; a move that adds nothing ranks by bytes alone.
          const double score = added <= 0 ? 1e30 + static_cast<double>(saved) : static_cast<double>(saved) / added;
          if (score > best_score) {
            best_score = score;
            best = SearchResult{std::move(candidate), std::move(s), 0, 0, false};
          }
        }
      }
    }
    if (!best) break;
    current.assignment = std::move(best->assignment);
    current.schedule = std::move(best->schedule);
    ++current.moves;
  }
  return gpu_peak_bytes(p, current.schedule) <= target_bytes;
}

MemoryResult plan_memory(const Problem& p, double slo_us, const SearchOptions& options) {
  const auto began = std::chrono::steady_clock::now();
  auto elapsed_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(); };
  MemoryResult out;
  SearchOptions latency_options = options;
  latency_options.time_limit_s = options.time_limit_s / 2;  // the rest is the memory search's
  out.search = plan_latency(p, latency_options);
  out.best_latency_us = out.search.schedule.makespan_us;
  if (out.best_latency_us > slo_us) return out;
  out.feasible = true;
  // The rest of the time is the memory search's.
  SearchOptions rest = options;
  rest.time_limit_s = std::max(0.0, options.time_limit_s - elapsed_s());
  SearchResult& current = out.search;
  shed_gpu_memory(p, current, 0, slo_us, rest);
  // A baseline that meets the SLO with less GPU memory (all on a CPU device: none) wins.
  for (size_t d = 0; d < p.devices.size(); ++d) {
    auto a = all_on(p, static_cast<int>(d));
    if (!a) continue;
    bool pins_kept = true;
    for (size_t n = 0; n < options.pinned.size(); ++n) pins_kept = pins_kept && (options.pinned[n] < 0 || options.pinned[n] == static_cast<int>(d));
    if (!pins_kept) continue;
    Schedule s = simulate(p, a->device_of, a->priority);
    const int64_t peak = gpu_peak_bytes(p, s), current_peak = gpu_peak_bytes(p, current.schedule);
    if (s.makespan_us <= slo_us && (peak < current_peak || (peak == current_peak && s.makespan_us < current.schedule.makespan_us))) {
      current.assignment = std::move(*a);
      current.schedule = std::move(s);
    }
  }
  return out;
}

MemoryResult plan_latency_within(const Problem& p, const SearchOptions& options) {
  MemoryResult out;
  out.search = plan_latency(p, options);
  const int64_t limit = options.gpu_mem_limit_bytes;
  if (limit <= 0 || gpu_peak_bytes(p, out.search.schedule) <= limit) {
    out.feasible = true;
    return out;
  }
  if (!shed_gpu_memory(p, out.search, limit, cannot_run, options)) return out;
  out.feasible = true;
  // Within the limit now: local search may win back latency without leaving it.
  SearchResult again = refine(p, out.search.assignment, options);
  again.iterations += out.search.iterations;
  again.moves += out.search.moves;
  out.search = std::move(again);
  return out;
}

}  // namespace planner
