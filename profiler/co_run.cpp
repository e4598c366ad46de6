#include "profiler/co_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "runtime/device_spec.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"
#include "runtime/latency_stats.h"

namespace profiler {

namespace {

using Clock = std::chrono::steady_clock;

// How long all devices run together: long enough for 20 runs of the slowest, within bounds.
constexpr double runs_together = 20, least_window_ms = 50, most_window_ms = 2000;

double median(const std::vector<double>& v) { return runtime::summarize(v).p50; }

}  // namespace

std::map<std::string, double> measure_co_run(const ir::Graph& graph, const std::vector<runtime::Device*>& devices, const std::map<std::string, WholeModel>& alone,
                                             double& timed_us) {
  std::vector<runtime::Device*> together;
  std::set<int> taken;
  double slowest_us = 0;
  for (runtime::Device* d : devices) {
    if (d->kind() != runtime::DeviceKind::cpu) continue;
    const std::vector<int> cores = runtime::cores_in_description(d->description());
    auto it = alone.find(d->name());
    if (cores.empty() || it == alone.end() || !it->second.fused) continue;
    if (std::any_of(cores.begin(), cores.end(), [&](int c) { return taken.count(c) > 0; })) continue;
    taken.insert(cores.begin(), cores.end());
    together.push_back(d);
    slowest_us = std::max(slowest_us, it->second.fused->median_us);
  }
  if (together.size() < 2) return {};

  std::mt19937 rng(1);
  std::vector<std::unique_ptr<runtime::Executor>> executors;
  std::vector<std::vector<runtime::Tensor>> inputs(together.size());
  for (size_t k = 0; k < together.size(); ++k) {
    executors.push_back(std::make_unique<runtime::Executor>(graph, *together[k], runtime::ExecutorOptions{}));
    for (ir::TensorId t : graph.inputs) {
      inputs[k].push_back(runtime::host_tensor(graph.tensor(t).dtype, graph.tensor(t).shape));  // host memory is a CPU device's
      runtime::fill_random(inputs[k].back(), rng);
    }
    executors[k]->run(inputs[k]);  // warm: weights prepared, caches filled
  }
  const double window_us = std::clamp(runs_together * slowest_us, least_window_ms * 1000, most_window_ms * 1000);
  // Runs `who` at once for the window, each on its device's own worker (as the profile's runs
  // and the replay's drivers run: no thread beyond the devices' competes for the cores), and
  // returns each one's per-run times inside it.
  auto run_together = [&](const std::vector<size_t>& who) {
    std::atomic<size_t> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::vector<double>> times(who.size());
    std::vector<std::thread> threads;
    for (size_t w = 0; w < who.size(); ++w)
      threads.emplace_back([&, w] {
        const size_t k = who[w];
        together[k]->execute([&] {
          ++ready;
          while (!go.load()) std::this_thread::yield();
          const Clock::time_point until = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(window_us));
          // A run counts only when it ends inside the window, while the others still run.
          for (Clock::time_point start = Clock::now(); start < until; start = Clock::now()) {
            executors[k]->run(inputs[k]);
            const Clock::time_point end = Clock::now();
            if (end <= until) times[w].push_back(std::chrono::duration<double, std::micro>(end - start).count());
          }
        });
      });
    while (ready.load() < who.size()) std::this_thread::yield();
    go.store(true);
    for (std::thread& t : threads) t.join();
    return times;
  };
  const auto began = Clock::now();
  // Alone first, in the same harness (the profile's fused time was taken minutes apart: drift
  // on a shared machine would read as a co-run effect), then all at once.
  std::vector<size_t> everyone;
  std::vector<double> alone_us;
  for (size_t k = 0; k < together.size(); ++k) {
    everyone.push_back(k);
    alone_us.push_back(median(run_together({k}).front()));
  }
  const std::vector<std::vector<double>> times = run_together(everyone);
  timed_us += std::chrono::duration<double, std::micro>(Clock::now() - began).count();

  std::map<std::string, double> factors;
  for (size_t k = 0; k < together.size(); ++k)
    if (!times[k].empty() && alone_us[k] > 0) factors[together[k]->name()] = median(times[k]) / alone_us[k];
  return factors;
}

}  // namespace profiler
