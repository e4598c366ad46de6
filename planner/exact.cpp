#include "planner/exact.h"

#include <algorithm>
#include <chrono>
#include <numeric>

namespace planner {

namespace {

// Devices `a` < `b` are interchangeable when swapping them changes nothing a plan can see.
bool interchangeable(const Problem& p, size_t a, size_t b) {
  if (p.devices[a].is_gpu != p.devices[b].is_gpu) return false;
  for (const PlanNode& node : p.nodes)
    if (node.time_us[a] != node.time_us[b]) return false;
  const size_t places = p.devices.size() + 1;
  auto place = [&](size_t x) { return x == a + 1 ? b + 1 : x == b + 1 ? a + 1 : x; };  // the swap
  for (size_t from = 0; from < places; ++from)
    for (size_t to = 0; to < places; ++to) {
      const LinkCost& l = p.links[from][to];
      const LinkCost& swapped = p.links[place(from)][place(to)];
      if (l.latency_us != swapped.latency_us || l.bytes_per_us != swapped.bytes_per_us) return false;
    }
  return true;
}

// Shorter than `best` by more than rounding (and anything finite beats none yet).
bool shorter(double candidate, double best) { return best == cannot_run ? candidate < best : candidate < best - 1e-9 * std::max(1.0, best); }

class Search {
 public:
  Search(const Problem& p, const SearchOptions& options) : p_(p), options_(options), began_(std::chrono::steady_clock::now()) {
    const size_t nodes = p.nodes.size(), devices = p.devices.size();
    device_of_.assign(nodes, -1);
    load_.assign(devices, 0.0);
    users_.assign(devices, 0);
    earliest_.assign(nodes * devices, cannot_run);
    min_time_.assign(nodes, cannot_run);
    for (size_t n = 0; n < nodes; ++n)
      for (size_t d = 0; d < devices; ++d)
        if (allowed(n, d)) min_time_[n] = std::min(min_time_[n], p.nodes[n].time_us[d]);
    unassigned_min_ = std::accumulate(min_time_.begin(), min_time_.end(), 0.0);
    twin_.assign(devices, -1);
    // A pin tells twins apart: a node pinned to one of them cannot take the other.
    auto pinned_to = [&](size_t d) {
      return std::any_of(options.pinned.begin(), options.pinned.end(), [&](int pin) { return pin == static_cast<int>(d); });
    };
    for (size_t b = 0; b < devices; ++b)
      for (size_t a = 0; a < b && twin_[b] < 0; ++a)
        if (!pinned_to(a) && !pinned_to(b) && interchangeable(p, a, b)) twin_[b] = static_cast<int>(a);
  }

  bool feasible() const {
    return std::all_of(min_time_.begin(), min_time_.end(), [](double t) { return t < cannot_run; });
  }

  void offer(const std::vector<int>& device_of) {
    for (size_t n = 0; n < device_of.size(); ++n)
      if (device_of[n] < 0 || static_cast<size_t>(device_of[n]) >= p_.devices.size() || !allowed(n, static_cast<size_t>(device_of[n]))) return;
    consider(device_of);
  }

  // Depth first over the nodes in topological order; false when the limit stopped it.
  bool run(size_t n, const std::vector<int>& hint) {
    ++result_.visited;
    if (options_.exact_max_visits > 0 && result_.visited > options_.exact_max_visits) stopped_ = true;
    if ((result_.visited & 1023) == 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count() > options_.time_limit_s)
      stopped_ = true;
    if (stopped_) return false;
    if (n == p_.nodes.size()) {
      consider(device_of_);
      return true;
    }
    // The hint's device first (the incumbent's choice), then the quickest.
    std::vector<size_t> order(p_.devices.size());
    std::iota(order.begin(), order.end(), 0);
    const PlanNode& node = p_.nodes[n];
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const bool ha = !hint.empty() && hint[n] == static_cast<int>(a), hb = !hint.empty() && hint[n] == static_cast<int>(b);
      return ha != hb ? ha : node.time_us[a] < node.time_us[b];
    });
    for (size_t d : order) {
      if (!allowed(n, d)) continue;
      // Of interchangeable devices, one not yet used only after its twin is.
      if (twin_[d] >= 0 && users_[d] == 0 && users_[static_cast<size_t>(twin_[d])] == 0) continue;
      assign(n, d);
      const bool promising = shorter(lower_bound(), best_);
      if (promising) run(n + 1, hint);
      unassign(n, d);
      if (stopped_) return false;
    }
    return true;
  }

  bool stopped_by_time() const { return stopped_ && !(options_.exact_max_visits > 0 && result_.visited > options_.exact_max_visits); }

  ExactResult finish() {
    result_.proven = !stopped_;
    result_.stopped_by_time = stopped_by_time();
    return std::move(result_);
  }

 private:
  bool allowed(size_t n, size_t d) const {
    if (!(p_.nodes[n].time_us[d] < cannot_run)) return false;
    return options_.pinned.empty() || options_.pinned[n] < 0 || options_.pinned[n] == static_cast<int>(d);
  }

  void assign(size_t n, size_t d) {
    device_of_[n] = static_cast<int>(d);
    load_[d] += p_.nodes[n].time_us[d];
    ++users_[d];
    unassigned_min_ -= min_time_[n];
  }

  void unassign(size_t n, size_t d) {
    device_of_[n] = -1;
    load_[d] -= p_.nodes[n].time_us[d];
    --users_[d];
    unassigned_min_ += min_time_[n];
  }

  // No completion of the partial assignment simulates shorter than this: the busiest device's
  // load; all work (unplaced nodes at their quickest) spread evenly; and the longest path
  // without contention, each transfer at its idle-engine cost: a placed node's earliest finish
  // on its device, an unplaced one's on each device it may take, its inputs from wherever
  // their producers finish soonest (a relaxation: each reader may assume its own place).
  double lower_bound() {
    double assigned = 0, bound = 0;
    for (double l : load_) {
      assigned += l;
      bound = std::max(bound, l);
    }
    bound = std::max(bound, (assigned + unassigned_min_) / static_cast<double>(p_.devices.size()));
    const size_t devices = p_.devices.size();
    for (size_t n = 0; n < p_.nodes.size(); ++n) {
      const PlanNode& node = p_.nodes[n];
      double soonest = cannot_run;
      for (size_t d = 0; d < devices; ++d) {
        double& finish = earliest_[n * devices + d];
        finish = cannot_run;
        if (!allowed(n, d) || (device_of_[n] >= 0 && device_of_[n] != static_cast<int>(d))) continue;
        double ready = 0;
        for (int t : node.inputs) {
          const PlanTensor& tensor = p_.tensors[static_cast<size_t>(t)];
          double arrives = cannot_run;
          if (tensor.producer < 0) {
            arrives = p_.transfer_us(host, static_cast<int>(d), tensor.bytes);
          } else {
            for (size_t from = 0; from < devices; ++from) {
              const double produced = earliest_[static_cast<size_t>(tensor.producer) * devices + from];
              if (produced < cannot_run) arrives = std::min(arrives, produced + p_.transfer_us(static_cast<int>(from), static_cast<int>(d), tensor.bytes));
            }
          }
          ready = std::max(ready, arrives);
        }
        finish = ready + node.time_us[d];
        double done = finish;
        for (int t : node.outputs) {
          const PlanTensor& tensor = p_.tensors[static_cast<size_t>(t)];
          if (tensor.graph_output) done = std::max(done, finish + p_.transfer_us(static_cast<int>(d), host, tensor.bytes));
        }
        soonest = std::min(soonest, done);
      }
      bound = std::max(bound, soonest);
    }
    return bound;
  }

  void consider(const std::vector<int>& device_of) {
    ++result_.leaves;
    std::vector<int> priority = rank_priority(p_, device_of);
    Schedule s = simulate(p_, device_of, priority);
    if (shorter(s.makespan_us, best_)) {
      best_ = s.makespan_us;
      result_.assignment = {device_of, std::move(priority)};
      result_.schedule = std::move(s);
    }
  }

  const Problem& p_;
  const SearchOptions& options_;
  const std::chrono::steady_clock::time_point began_;
  std::vector<int> device_of_, users_, twin_;
  std::vector<double> load_, earliest_, min_time_;  // earliest_[node * devices + device]
  double unassigned_min_ = 0;
  double best_ = cannot_run;
  bool stopped_ = false;
  ExactResult result_;
};

}  // namespace

ExactResult branch_and_bound(const Problem& problem, const SearchOptions& options, const std::vector<int>& incumbent) {
  Search search(problem, options);
  if (!search.feasible()) return {};
  if (incumbent.size() == problem.nodes.size()) search.offer(incumbent);
  search.run(0, incumbent);
  return search.finish();
}

}  // namespace planner
