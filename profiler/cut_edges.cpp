#include "profiler/cut_edges.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "ir/cost.h"
#include "runtime/device_spec.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"
#include "runtime/latency_stats.h"

namespace profiler {

namespace {

using Clock = std::chrono::steady_clock;
// Turns of a few requests each way, the first a warm-up, until both have 2 s of measured turns
// (a large model gets two) or six turns are done.
constexpr int most_turns = 6, least_turns = 2, requests_per_turn = 4;
constexpr double budget_s = 2.0;

double median(const std::vector<double>& v) { return runtime::summarize(v).p50; }

bool disjoint(runtime::Device* a, runtime::Device* b) {
  const std::vector<int> x = runtime::cores_in_description(a->description()), y = runtime::cores_in_description(b->description());
  return std::none_of(x.begin(), x.end(), [&](int c) { return std::find(y.begin(), y.end(), c) != y.end(); });
}

}  // namespace

void measure_cut_edges(const ir::Graph& graph, const std::vector<runtime::Device*>& devices, std::map<std::pair<std::string, std::string>, std::vector<double>>& per_pair,
                       std::vector<BatchProfile::Alternating>& alternating, double& timed_us) {
  std::vector<runtime::Device*> cpus;
  for (runtime::Device* d : devices)
    if (d->kind() == runtime::DeviceKind::cpu && !runtime::cores_in_description(d->description()).empty()) cpus.push_back(d);
  // Node k (of those that run) on the first device when k is even; the edges that cuts.
  std::vector<int> alternate(graph.nodes.size(), 0);
  int k = 0;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (!ir::is_constant_node(graph, graph.nodes[n])) alternate[n] = k++ % 2;
  int cuts = 0;  // input slots whose producer runs on the other device
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (ir::is_constant_node(graph, graph.nodes[n])) continue;
    for (ir::TensorId t : graph.nodes[n].inputs) {
      if (t == ir::no_tensor || graph.tensor(t).value) continue;
      const ir::NodeId p = graph.tensor(t).producer;
      if (p != ir::no_node && !ir::is_constant_node(graph, graph.nodes[static_cast<size_t>(p)]) && alternate[static_cast<size_t>(p)] != alternate[n]) ++cuts;
    }
  }
  if (cuts == 0) return;
  std::mt19937 rng(2);
  std::vector<runtime::Tensor> inputs;
  for (ir::TensorId t : graph.inputs) {
    inputs.push_back(runtime::host_tensor(graph.tensor(t).dtype, graph.tensor(t).shape));
    runtime::fill_random(inputs.back(), rng);
  }
  const auto began = Clock::now();
  // One direction per pair: the alternation crosses both ways alike.
  for (size_t i = 0; i < cpus.size(); ++i)
    for (size_t j = i + 1; j < cpus.size(); ++j) {
      runtime::Device* a = cpus[i];
      runtime::Device* b = cpus[j];
      if (!disjoint(a, b)) continue;
      bool both = true;
      for (const ir::Node& node : graph.nodes) both = both && (ir::is_constant_node(graph, node) || (a->supports(graph, node) && b->supports(graph, node)));
      if (!both) continue;
      runtime::Executor split(graph, {a, b}, alternate), one(graph, {a, b}, std::vector<int>(graph.nodes.size(), 0));
      std::vector<double> split_us, one_us;
      const auto pair_began = Clock::now();
      for (int turn = 0; turn < most_turns; ++turn) {
        if (turn >= least_turns && std::chrono::duration<double>(Clock::now() - pair_began).count() > budget_s) break;
        for (auto [executor, out] : {std::pair{&split, &split_us}, std::pair{&one, &one_us}}) {
          const runtime::ReplayResult r = executor->replay(inputs, {{}, requests_per_turn, 1, {}, false});
          if (turn == 0) continue;
          for (const runtime::RequestRecord& q : r.requests) out->push_back(q.latency_us());
        }
      }
      const double split_median = median(split_us), one_median = median(one_us);
      per_pair[{a->name(), b->name()}].push_back(std::max(0.0, (split_median - one_median) / cuts));
      alternating.push_back({a->name(), b->name(), split_median, one_median});
    }
  timed_us += std::chrono::duration<double, std::micro>(Clock::now() - began).count();
}

std::vector<LinkProfile> cut_links(const std::map<std::pair<std::string, std::string>, std::vector<double>>& per_pair) {
  std::vector<LinkProfile> links;
  for (const auto& [pair, values] : per_pair)
    if (!values.empty()) {
      links.push_back({pair.first, pair.second, "cut", "", {}, median(values), std::nullopt});
      links.push_back({pair.second, pair.first, "cut", "", {}, median(values), std::nullopt});
    }
  return links;
}

}  // namespace profiler
