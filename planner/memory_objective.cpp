#include "planner/memory_objective.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace planner {

namespace {

// Bytes of weights and outputs of the nodes on GPUs: a move that leaves the peak where it is
// (another tensor sets it) but takes bytes off a GPU still leads towards a smaller peak.
int64_t gpu_resident_bytes(const Problem& p, const std::vector<int>& device_of) {
  int64_t bytes = 0;
  for (size_t n = 0; n < p.nodes.size(); ++n) {
    if (!p.devices[static_cast<size_t>(device_of[n])].is_gpu) continue;
    bytes += p.nodes[n].weight_bytes;
    for (int t : p.nodes[n].outputs) bytes += p.tensors[static_cast<size_t>(t)].bytes;
  }
  return bytes;
}

}  // namespace

bool shed_gpu_memory(const Problem& p, SearchResult& current, int64_t target_bytes, double slo_us, const SearchOptions& options) {
  const auto began = std::chrono::steady_clock::now();
  auto elapsed_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(); };
  auto pinned_to = [&](int n) { return options.pinned.empty() ? -1 : options.pinned[static_cast<size_t>(n)]; };
  // Moves that only unload bytes may end without lowering the peak: the best plan seen (least
  // peak, then least latency) is what is kept.
  SearchResult best_seen = current;
  auto keep_if_best = [&] {
    const int64_t peak = gpu_peak_bytes(p, current.schedule), best_peak = gpu_peak_bytes(p, best_seen.schedule);
    if (peak < best_peak || (peak == best_peak && current.schedule.makespan_us < best_seen.schedule.makespan_us)) best_seen = current;
  };

  while (true) {
    if (elapsed_s() > options.time_limit_s) {
      current.timed_out = true;
      break;
    }
    const int64_t peak_now = gpu_peak_bytes(p, current.schedule);
    if (peak_now <= target_bytes) break;
    const int64_t resident_now = gpu_resident_bytes(p, current.assignment.device_of);
    double best_score = -std::numeric_limits<double>::infinity();
    int best_tier = -1;
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
          const int64_t unloaded = resident_now - gpu_resident_bytes(p, candidate.device_of);
          if (saved < 0 || (saved == 0 && unloaded <= 0)) continue;
          const double added = s.makespan_us - current.schedule.makespan_us;
          // Ranked first by what it does (lowers the peak, or only takes bytes off a GPU while
          // another tensor keeps the peak), then by whether it costs latency, then by bytes per
          // microsecond added (bytes alone when it adds none).
          const double gain = static_cast<double>(saved > 0 ? saved : unloaded);
          const int tier = (saved > 0 ? 2 : 0) + (added <= 0 ? 1 : 0);
          const double ratio = added <= 0 ? gain : gain / added;
          if (tier > best_tier || (tier == best_tier && ratio > best_score)) {
            best_tier = tier;
            best_score = ratio;
            best = SearchResult{std::move(candidate), std::move(s), 0, 0, false};
          }
        }
      }
    }
    if (!best) break;
    current.assignment = std::move(best->assignment);
    current.schedule = std::move(best->schedule);
    ++current.moves;
    keep_if_best();
  }
  const int iterations = current.iterations, moves = current.moves;
  const bool timed_out = current.timed_out;
  current = std::move(best_seen);
  current.iterations = iterations;
  current.moves = moves;
  current.timed_out = timed_out;
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
  if (!shed_gpu_memory(p, out.search, limit, cannot_run, options)) {
    // The greedy can stall where no single move helps; a device without GPU memory, if it can
    // run everything (and the pins allow), always fits.
    bool fitted = false;
    for (size_t d = 0; d < p.devices.size() && !fitted; ++d) {
      if (p.devices[d].is_gpu) continue;
      auto a = all_on(p, static_cast<int>(d));
      bool pins_kept = a.has_value();
      for (size_t n = 0; pins_kept && n < options.pinned.size(); ++n) pins_kept = options.pinned[n] < 0 || options.pinned[n] == static_cast<int>(d);
      if (!pins_kept) continue;
      out.search.assignment = std::move(*a);
      out.search.schedule = simulate(p, out.search.assignment.device_of, out.search.assignment.priority);
      fitted = true;
    }
    if (!fitted) return out;
  }
  out.feasible = true;
  // Within the limit now: local search may win back latency without leaving it.
  SearchResult again = refine(p, out.search.assignment, options);
  again.iterations += out.search.iterations;
  again.moves += out.search.moves;
  out.search = std::move(again);
  return out;
}

}  // namespace planner
