#include "planner/pipeline.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>

namespace planner {

namespace {

// What stages need to know of the order: prefix sums of node times per device, and the bytes
// crossing each cut (tensors produced before it and read at or after it, plus graph inputs
// still to be read; cut 0: the graph inputs; cut n: the graph outputs).
struct Prefix {
  std::vector<std::vector<double>> time;  // [device][i]: nodes [0, i) on the device
  std::vector<int64_t> crossing;          // [i]
  // [first]: nodes a stage starting at `first` holds while the producer they fuse into lies
  // before it: the cut breaks their fusion, and they cost their own time (PlanNode::unfused_us).
  std::vector<std::vector<int>> unfused_after_cut;
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
  pre.unfused_after_cut.assign(n + 1, {});
  for (size_t i = 0; i < n; ++i)
    for (int first = p.nodes[i].fused_with + 1; p.nodes[i].fused_with >= 0 && first <= static_cast<int>(i); ++first)
      pre.unfused_after_cut[static_cast<size_t>(first)].push_back(static_cast<int>(i));
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

double stage_compute(const Problem& p, const Prefix& pre, int device, int first, int end) {
  const std::vector<double>& time = pre.time[static_cast<size_t>(device)];
  double compute = time[static_cast<size_t>(end)] - time[static_cast<size_t>(first)];
  for (int i : pre.unfused_after_cut[static_cast<size_t>(first)]) {
    const PlanNode& node = p.nodes[static_cast<size_t>(i)];
    if (i < end && node.time_us[static_cast<size_t>(device)] < cannot_run)
      compute += node.unfused_us[static_cast<size_t>(device)] - node.time_us[static_cast<size_t>(device)];
  }
  return compute;
}

// The resources a pipeline keeps busy, each for its summed time per request: every device (all
// its stages) and every ordered pair of places a transfer runs between (its copy engine).
// Places are host (-1) and the devices; pair (a, b) is index (a + 1) * (devices + 1) + b + 1.
size_t link_index(int from, int to, size_t devices) { return static_cast<size_t>(from + 1) * (devices + 1) + static_cast<size_t>(to + 1); }

Pipeline assemble(const Problem& p, const Prefix& pre, const std::vector<std::pair<int, int>>& cuts_devices) {
  // cuts_devices: (first node of the stage, device) in order.
  Pipeline pipe;
  const int n = static_cast<int>(p.nodes.size());
  const size_t devices = p.devices.size();
  std::vector<double> device_load(devices, 0.0), link_load((devices + 1) * (devices + 1), 0.0);
  int previous = host;
  for (size_t k = 0; k < cuts_devices.size(); ++k) {
    const auto [first, device] = cuts_devices[k];
    const int last = k + 1 < cuts_devices.size() ? cuts_devices[k + 1].first - 1 : n - 1;
    Stage s{device, first, last, stage_compute(p, pre, device, first, last + 1), 0, pre.crossing[static_cast<size_t>(first)]};
    s.transfer_us = p.transfer_us(previous, device, s.transfer_bytes);
    device_load[static_cast<size_t>(device)] += s.compute_us;
    link_load[link_index(previous, device, devices)] += s.transfer_us;
    pipe.latency_us += s.compute_us + s.transfer_us;
    pipe.stages.push_back(s);
    previous = device;
  }
  const double back = p.transfer_us(previous, host, pre.crossing[static_cast<size_t>(n)]);
  link_load[link_index(previous, host, devices)] += back;
  pipe.latency_us += back;
  pipe.bottleneck_us = std::max(*std::max_element(device_load.begin(), device_load.end()), *std::max_element(link_load.begin(), link_load.end()));
  return pipe;
}

// Throughput first, then latency: the order plans are compared in.
bool better(const Pipeline& a, const Pipeline& b) {
  if (a.bottleneck_us != b.bottleneck_us) return a.bottleneck_us < b.bottleneck_us;
  return a.latency_us < b.latency_us;
}

// Where stages may begin: every position in graphs of up to `budget` + 1 nodes. In larger ones,
// every position where the set of devices able to run the node changes (a stage must end
// there to change device, so feasibility never depends on the choice) and positions spaced
// evenly by work until `budget` are taken: a search is quadratic in them.
std::vector<int> cut_points(const Problem& p, const std::vector<double>& least_work, int budget) {
  const int n = static_cast<int>(p.nodes.size());
  std::vector<int> cuts;
  if (n - 1 <= budget) {
    for (int i = 0; i <= n; ++i) cuts.push_back(i);
    return cuts;
  }
  cuts = {0, n};
  auto runnable = [&](int i, size_t d) { return p.nodes[static_cast<size_t>(i)].time_us[d] < cannot_run; };
  for (int i = 1; i < n; ++i)
    for (size_t d = 0; d < p.devices.size(); ++d)
      if (runnable(i - 1, d) != runnable(i, d)) {
        cuts.push_back(i);
        break;
      }
  const int spaced = budget - static_cast<int>(cuts.size()) + 2;
  for (int k = 1, i = 1; k <= spaced && i < n; ++k) {
    const double done = least_work[0] * static_cast<double>(k) / static_cast<double>(spaced + 1);
    while (i < n - 1 && least_work[0] - least_work[static_cast<size_t>(i)] < done) ++i;
    cuts.push_back(i);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

// The search runs at a fixed limit: every resource may carry at most `limit` per request.
// Under a limit the bottleneck is no longer an objective, only a filter, so a partial plan is
// judged by what can still grow — the loads of resources used again later — and, when it
// matters, its latency. plan_pipeline bisects the limit down to the least one some plan meets.
struct Partial {
  double latency = 0;
  double work = 0;  // compute summed over its stages (for the spread bound)
  size_t open = 0;  // offset of its open resources' loads in the search's load arena
  int first = 0, device = host, back = -1;  // its last stage, and the partial plan it extends
};

// Where a partial plan stands: its last stage's device, the stages each device holds, and the
// devices promised another stage. Deciding at each stage whether its device comes back keeps
// open only the loads that can still grow (a device promised a stage, a link between two such
// devices): every other resource is final and only checked against the limit.
struct State {
  int last = host;
  uint64_t used = 0;      // stages per device, base max_stages_per_device + 1
  uint32_t promised = 0;  // bit d: device d holds another stage later
};

class BoundedSearch {
 public:
  // least_latency: the least-latency plan within the limit (and the SLO); else the first found.
  BoundedSearch(const Problem& p, const Prefix& pre, const std::vector<int>& cuts, double limit, double slo_us, int max_stages_per_device,
                bool least_latency, std::chrono::steady_clock::time_point deadline)
      : deadline_(deadline), p_(p), pre_(pre), cuts_(cuts), n_(static_cast<int>(p.nodes.size())), devices_(p.devices.size()),
        resources_(devices_ + (devices_ + 1) * (devices_ + 1)), limit_(limit * (1 + 1e-12)), slo_us_(slo_us), uses_(max_stages_per_device),
        least_latency_(least_latency), compare_latency_(least_latency || slo_us < cannot_run), cells_(static_cast<size_t>(n_) + 1) {
    blocked_.assign(devices_, std::vector<int>(static_cast<size_t>(n_) + 1, n_));
    for (size_t d = 0; d < devices_; ++d)
      for (int i = n_ - 1; i >= 0; --i)
        blocked_[d][static_cast<size_t>(i)] = p.nodes[static_cast<size_t>(i)].time_us[d] < cannot_run ? blocked_[d][static_cast<size_t>(i) + 1] : i;
    least_work_ = least_work(p);
    power_.assign(devices_ + 1, 1);
    for (size_t d = 1; d <= devices_; ++d) power_[d] = power_[d - 1] * static_cast<uint64_t>(uses_ + 1);
  }

  // [i]: nodes [i, n) each on its fastest device.
  static std::vector<double> least_work(const Problem& p) {
    std::vector<double> work(p.nodes.size() + 1, 0.0);
    for (size_t i = p.nodes.size(); i-- > 0;) {
      const double fastest = *std::min_element(p.nodes[i].time_us.begin(), p.nodes[i].time_us.end());
      work[i] = work[i + 1] + (fastest < cannot_run ? fastest : 0.0);
    }
    return work;
  }

  // The least load above the limit that stopped a partial plan: no plan's bottleneck lies
  // between the limit and it, when run() found none.
  double least_exceeding() const { return least_exceeding_; }
  // Whether the deadline stopped run() (its answer then means nothing).
  bool stopped() const { return stopped_; }

  std::optional<Pipeline> run() {
    loads_.assign(resources_, 0.0);
    partials_.push_back({0, 0, 0, 0, host, -1});  // no stage yet
    cells_[0][key(State{})] = {State{}, {0}};
    for (size_t a = 0; a + 1 < cuts_.size() && !(best_ && !least_latency_) && !stopped_; ++a) {
      const int i = cuts_[a];
      for (const auto& [code, cell] : cells_[static_cast<size_t>(i)]) {
        const State& from = cell.first;
        for (size_t d = 0; d < devices_; ++d) {
          const int device = static_cast<int>(d), held = stages_on(from.used, d);
          // A stage beside one on its device would be the same stage; a device that holds a
          // stage takes another only when that stage promised it.
          if (device == from.last || held >= uses_ || (held > 0 && !(from.promised >> d & 1u))) continue;
          for (const bool again : {false, true}) {
            if (again && held + 1 >= uses_) continue;
            const State to{device, from.used + power_[d], again ? from.promised | (1u << d) : from.promised & ~(1u << d)};
            for (size_t b = a + 1; b < cuts_.size() && cuts_[b] <= blocked_[d][static_cast<size_t>(i)]; ++b) {
              const int j = cuts_[b];
              if (j == n_ && to.promised != 0) break;  // a promise the plan would end without keeping
              if (const double compute = stage_compute(p_, pre_, device, i, j); compute > limit_) {
                exceeds(compute);
                break;
              }
              for (int k : cell.second) extend(k, from, to, i, j);
            }
          }
        }
      }
    }
    return best_;
  }

 private:
  int stages_on(uint64_t used, size_t d) const { return static_cast<int>((used / power_[d]) % static_cast<uint64_t>(uses_ + 1)); }
  uint64_t key(const State& s) const { return ((s.used << devices_) | s.promised) * (devices_ + 1) + static_cast<uint64_t>(s.last + 1); }
  size_t link_resource(int from, int to) const { return devices_ + link_index(from, to, devices_); }
  // A device's load can grow while it is promised a stage. A link's can while a transfer may
  // still leave its source (the device just placed, or one promised a stage) for its
  // destination (a device promised a stage); host links carry one transfer each.
  bool still_open(size_t r, const State& now) const {
    auto promised = [&](int place) { return place != host && (now.promised >> place & 1u); };
    if (r < devices_) return promised(static_cast<int>(r));
    const size_t pair = r - devices_;
    const int from = static_cast<int>(pair / (devices_ + 1)) - 1, to = static_cast<int>(pair % (devices_ + 1)) - 1;
    return (from == now.last || promised(from)) && promised(to);
  }

  // Partial plan k (in state `from`) plus the stage [i, j) on `to.last`, reaching state `to`.
  void extend(int k, const State& from, const State& to, int i, int j) {
    if ((best_ && !least_latency_) || stopped_) return;
    if (++extended_ % 4096 == 0 && std::chrono::steady_clock::now() > deadline_) stopped_ = true;
    const Partial before = partials_[static_cast<size_t>(k)];
    const int device = to.last;
    const double compute = stage_compute(p_, pre_, device, i, j), transfer = p_.transfer_us(from.last, device, pre_.crossing[static_cast<size_t>(i)]);
    Partial next{before.latency + compute + transfer, before.work + compute, 0, i, device, k};
    if (next.latency > slo_us_ || (least_latency_ && best_ && next.latency >= best_->latency_us)) return;  // latency only grows
    // All work spread evenly over the devices is a load some device carries at least.
    if (const double spread = (next.work + least_work_[static_cast<size_t>(j)]) / static_cast<double>(devices_); spread > limit_) return exceeds(spread);
    scratch_.assign(loads_.begin() + static_cast<std::ptrdiff_t>(before.open), loads_.begin() + static_cast<std::ptrdiff_t>(before.open + resources_));
    scratch_[static_cast<size_t>(device)] += compute;
    scratch_[link_resource(from.last, device)] += transfer;
    if (j == n_) scratch_[link_resource(device, host)] += p_.transfer_us(device, host, pre_.crossing[static_cast<size_t>(n_)]);
    for (size_t r = 0; r < resources_; ++r) {
      if (scratch_[r] > limit_) return exceeds(scratch_[r]);
      if (!still_open(r, to)) scratch_[r] = 0;  // final, and within the limit
    }
    if (j == n_) {
      partials_.push_back(next);
      Pipeline pipe = finish(static_cast<int>(partials_.size()) - 1);
      if (pipe.latency_us <= slo_us_ && (!best_ || better(pipe, *best_))) best_ = std::move(pipe);
      return;
    }
    auto& cell = cells_[static_cast<size_t>(j)][key(to)];
    cell.first = to;
    std::vector<int>& list = cell.second;
    auto no_worse = [&](const Partial& a, const double* a_loads, const Partial& b, const double* b_loads) {
      if (compare_latency_ && a.latency > b.latency) return false;
      for (size_t r = 0; r < resources_; ++r)
        if (a_loads[r] > b_loads[r]) return false;
      return true;
    };
    for (int other : list)
      if (no_worse(partials_[static_cast<size_t>(other)], &loads_[partials_[static_cast<size_t>(other)].open], next, scratch_.data())) return;
    std::erase_if(list, [&](int other) { return no_worse(next, scratch_.data(), partials_[static_cast<size_t>(other)], &loads_[partials_[static_cast<size_t>(other)].open]); });
    next.open = loads_.size();
    loads_.insert(loads_.end(), scratch_.begin(), scratch_.end());
    partials_.push_back(next);
    list.push_back(static_cast<int>(partials_.size()) - 1);
  }

  // Stages from the first to partial k, assembled (which recomputes every figure from them).
  Pipeline finish(int k) const {
    std::vector<std::pair<int, int>> cuts;
    for (int e = k; partials_[static_cast<size_t>(e)].back >= 0; e = partials_[static_cast<size_t>(e)].back)
      cuts.push_back({partials_[static_cast<size_t>(e)].first, partials_[static_cast<size_t>(e)].device});
    std::reverse(cuts.begin(), cuts.end());
    return assemble(p_, pre_, cuts);
  }

  void exceeds(double load) { least_exceeding_ = std::min(least_exceeding_, load); }

  const std::chrono::steady_clock::time_point deadline_;
  bool stopped_ = false;
  size_t extended_ = 0;
  double least_exceeding_ = cannot_run;
  const Problem& p_;
  const Prefix& pre_;
  const std::vector<int>& cuts_;  // where stages may begin, 0 and n included
  const int n_;
  const size_t devices_, resources_;
  const double limit_, slo_us_;
  const int uses_;
  const bool least_latency_, compare_latency_;
  std::vector<uint64_t> power_;            // [d]: (max_stages_per_device + 1)^d
  std::vector<double> least_work_;         // [i]: nodes [i, n) each on its fastest device
  std::vector<std::vector<int>> blocked_;  // [d][i]: the first node at or after i device d cannot run (n if none)
  // cells_[j]: per state, the partial plans covering [0, j) that none of the others is no
  // worse than. std::map: a fixed visiting order, so plans do not depend on hashing.
  std::vector<std::map<uint64_t, std::pair<State, std::vector<int>>>> cells_;
  std::vector<Partial> partials_;
  std::vector<double> loads_, scratch_;
  std::optional<Pipeline> best_;
};

}  // namespace

std::vector<int> devices_of(const Problem& p, const Pipeline& pipeline) {
  std::vector<int> device_of(p.nodes.size(), 0);
  for (const Stage& s : pipeline.stages)
    for (int i = s.first; i <= s.last; ++i) device_of[static_cast<size_t>(i)] = s.device;
  return device_of;
}

std::optional<Pipeline> plan_pipeline(const Problem& p, double slo_us, int max_stages_per_device, double time_limit_s) {
  if (p.nodes.empty() || p.devices.empty() || p.devices.size() > 16 || max_stages_per_device < 1) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                std::chrono::duration<double>(std::min(time_limit_s, 1e6)));
  const Prefix pre = prefix_of(p);
  const std::vector<int> cuts = cut_points(p, BoundedSearch::least_work(p), max_cut_points);
  auto answer = [&](std::optional<Pipeline> pipe, bool timed_out) {
    pipe->timed_out = pipe->timed_out || timed_out;
    pipe->every_cut = cuts.size() == p.nodes.size() + 1;
    pipe->cut_positions = static_cast<int>(cuts.size()) - 2;
    return pipe;
  };
  // The first plan found at no limit: a quick upper end.
  std::optional<Pipeline> best = BoundedSearch(p, pre, cuts, cannot_run, slo_us, max_stages_per_device, false, std::chrono::steady_clock::time_point::max()).run();
  if (!best) return std::nullopt;
  // Each device in one stage is a much smaller search, and a good upper end (and all that is
  // left when the time runs out on the larger one).
  if (max_stages_per_device > 1) {
    const double left_s = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    std::optional<Pipeline> once = plan_pipeline(p, slo_us, 1, std::max(left_s, 0.0));
    const bool cut = once && once->timed_out;
    if (once && better(*once, *best)) best = std::move(once);
    if (cut) return answer(std::move(best), true);
  }
  // Bisect the limit between a load no plan beats (all work spread evenly, then what searches
  // that found nothing report) and the bottleneck of the best plan found. Every search that
  // finds a plan lowers the upper end to that plan's bottleneck; one that finds none raises
  // the lower end past its limit, to the least load it saw exceed it, and the next search
  // tries that load itself (once: then bisection again).
  double low = BoundedSearch::least_work(p)[0] / static_cast<double>(p.devices.size());
  bool try_low = false;
  while (best->bottleneck_us - low > 1e-9 * best->bottleneck_us) {
    const double limit = try_low ? low : low + (best->bottleneck_us - low) / 2;
    BoundedSearch search(p, pre, cuts, limit, slo_us, max_stages_per_device, false, deadline);
    std::optional<Pipeline> found = search.run();
    if (search.stopped()) return answer(std::move(best), true);
    try_low = !try_low && !found && search.least_exceeding() > limit;
    if (found) best = std::move(found);
    else low = std::max(limit, search.least_exceeding());
  }
  // At the least limit met, the plan with the least latency.
  BoundedSearch fastest(p, pre, cuts, best->bottleneck_us, slo_us, max_stages_per_device, true, deadline);
  std::optional<Pipeline> found = fastest.run();
  if (fastest.stopped() || !found) return answer(std::move(best), fastest.stopped());
  return answer(std::move(found), false);
}

std::optional<Pipeline> brute_force_pipeline(const Problem& p, double slo_us, int max_stages_per_device) {
  const int n = static_cast<int>(p.nodes.size()), devices = static_cast<int>(p.devices.size());
  const Prefix pre = prefix_of(p);
  std::optional<Pipeline> best;
  std::vector<std::pair<int, int>> cuts;
  std::vector<int> used(static_cast<size_t>(devices), 0);
  // Every sequence of (first node, device) with increasing firsts, no device in two stages in a
  // row, and none in more than max_stages_per_device stages.
  std::function<void(int, int)> extend = [&](int first, int last) {
    for (int d = 0; d < devices; ++d) {
      if (d == last || used[static_cast<size_t>(d)] >= max_stages_per_device) continue;
      for (int end = first + 1; end <= n; ++end) {  // the stage is [first, end)
        if (p.nodes[static_cast<size_t>(end - 1)].time_us[static_cast<size_t>(d)] >= cannot_run) break;
        cuts.push_back({first, d});
        ++used[static_cast<size_t>(d)];
        if (end == n) {
          Pipeline pipe = assemble(p, pre, cuts);
          if (pipe.latency_us <= slo_us && (!best || better(pipe, *best))) best = std::move(pipe);
        } else {
          extend(end, d);
        }
        --used[static_cast<size_t>(d)];
        cuts.pop_back();
      }
    }
  };
  if (n > 0) extend(0, host);
  return best;
}

}  // namespace planner
