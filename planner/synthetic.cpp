#include "planner/synthetic.h"

#include <algorithm>
#include <string>
#include <utility>

namespace planner {

Problem random_dag(std::mt19937& rng, int n, bool gpu, double gpu_speedup) {
  Problem p;
  p.devices = {{"cpu0", false}, {"cpu1", false}};
  if (gpu) p.devices.push_back({"gpu2", true});
  const size_t places = p.devices.size() + 1;
  p.links.assign(places, std::vector<LinkCost>(places, {1.0, 0.0}));
  if (gpu)
    for (size_t place = 0; place < places; ++place) {
      p.links[place][3] = {8.0, 2.0};
      p.links[3][place] = {8.0, 2.0};
    }
  std::uniform_real_distribution<double> time(5, 100);
  std::uniform_int_distribution<int64_t> bytes(16, 400);
  p.tensors.push_back({"x", 64, -1, {}, false});
  for (int i = 0; i < n; ++i) {
    PlanNode node{"n" + std::to_string(i), "Op", {}, {}, {}, 100, -1, {}};
    const int reads = i == 0 ? 1 : 1 + static_cast<int>(rng() % 2);
    for (int r = 0; r < reads; ++r) {
      const int t = i == 0 ? 0 : 1 + static_cast<int>(rng() % static_cast<unsigned>(i));
      if (std::find(node.inputs.begin(), node.inputs.end(), t) == node.inputs.end()) {
        node.inputs.push_back(t);
        p.tensors[static_cast<size_t>(t)].consumers.push_back(i);
      }
    }
    p.tensors.push_back({"t" + std::to_string(i), bytes(rng), i, {}, false});
    node.outputs.push_back(static_cast<int>(p.tensors.size()) - 1);
    const double cpu_time = time(rng);
    node.time_us = {cpu_time, cpu_time * 2};  // cpu1 has half the threads
    if (gpu) node.time_us.push_back(rng() % 6 == 0 ? cannot_run : cpu_time / gpu_speedup);
    p.nodes.push_back(node);
  }
  for (auto& t : p.tensors)
    if (t.producer >= 0 && t.consumers.empty()) t.graph_output = true;
  return p;
}

Problem synthetic_dag(int n, unsigned seed) {
  std::mt19937 rng(seed);
  Problem p;
  p.devices = {{"cpu0", false}, {"cpu1", false}, {"cuda0", true}};
  p.links.assign(4, std::vector<LinkCost>(4, {2.0, 0.0}));
  for (size_t place = 0; place < 4; ++place) {
    p.links[place][3] = {10.0, 25000.0};
    p.links[3][place] = {10.0, 25000.0};
  }
  std::uniform_real_distribution<double> time(2, 200);
  std::uniform_int_distribution<int64_t> bytes(1 << 10, 1 << 20);
  p.tensors.push_back({"input", 1 << 20, -1, {}, false});
  for (int i = 0; i < n; ++i) {
    PlanNode node{"n" + std::to_string(i), "Op", {}, {}, {}, 4096, -1, {}};
    const int reads = 1 + static_cast<int>(rng() % 3);
    for (int r = 0; r < reads; ++r) {
      const int back = 1 + static_cast<int>(rng() % 20);
      const int t = i - back + 1 <= 0 ? 0 : i - back + 1;  // tensor k+1 is node k's output
      bool seen = false;
      for (int x : node.inputs) seen = seen || x == t;
      if (seen) continue;
      node.inputs.push_back(t);
      p.tensors[static_cast<size_t>(t)].consumers.push_back(i);
    }
    p.tensors.push_back({"t" + std::to_string(i), bytes(rng), i, {}, false});
    node.outputs.push_back(i + 1);
    const double t = time(rng);
    node.time_us = {t, 1.8 * t, rng() % 6 == 0 ? cannot_run : t / 4};
    p.nodes.push_back(std::move(node));
  }
  for (auto& t : p.tensors)
    if (t.producer >= 0 && t.consumers.empty()) t.graph_output = true;
  return p;
}

Problem random_pipeline_problem(std::mt19937& rng, int n, bool dag) {
  Problem p;
  p.devices = {{"cpu0", false}, {"cpu1", false}, {"gpu2", true}};
  p.links.assign(4, std::vector<LinkCost>(4, {0.5, 0.0}));
  for (size_t place = 0; place < 4; ++place) {
    p.links[place][3] = {5.0, 4.0};
    p.links[3][place] = {5.0, 4.0};
  }
  std::uniform_real_distribution<double> time(1, 50);
  std::uniform_int_distribution<int64_t> bytes(8, 512);
  p.tensors.push_back({"x", 128, -1, {}, false});
  for (int i = 0; i < n; ++i) {
    PlanNode node{"n" + std::to_string(i), "Op", {i}, {}, {}, 0, -1, {}};  // reads the previous output (tensor i)
    p.tensors[static_cast<size_t>(i)].consumers.push_back(i);
    if (dag && i >= 2 && rng() % 3 == 0) {
      const int earlier = static_cast<int>(rng() % static_cast<unsigned>(i - 1)) + 1;
      node.inputs.push_back(earlier);
      p.tensors[static_cast<size_t>(earlier)].consumers.push_back(i);
    }
    p.tensors.push_back({"t" + std::to_string(i), bytes(rng), i, {}, i == n - 1});
    node.outputs.push_back(i + 1);
    const double t = time(rng);
    node.time_us = {t, 1.7 * t, rng() % 5 == 0 ? cannot_run : t / 3};
    p.nodes.push_back(node);
  }
  return p;
}

}  // namespace planner
