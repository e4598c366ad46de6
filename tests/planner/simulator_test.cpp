// The simulator on graphs small enough to schedule by hand.
#include <doctest/doctest.h>

#include <stdexcept>

#include "planner/algorithms.h"
#include "planner/simulator.h"

namespace {

// Devices: cpu0, cpu1 (shared memory, hand-off free) and, with `gpu`, gpu2 reached over a link
// of 10 us + 1 byte/us each way.
planner::Problem empty_problem(bool gpu = false) {
  planner::Problem p;
  p.devices = {{"cpu0", false}, {"cpu1", false}};
  if (gpu) p.devices.push_back({"gpu2", true});
  const size_t places = p.devices.size() + 1;
  p.links.assign(places, std::vector<planner::LinkCost>(places));
  if (gpu)
    for (size_t place = 0; place < places; ++place) {
      if (place == 3) continue;
      p.links[place][3] = {10.0, 1.0};
      p.links[3][place] = {10.0, 1.0};
    }
  return p;
}

int add_tensor(planner::Problem& p, const std::string& name, int64_t bytes, bool output = false) {
  p.tensors.push_back({name, bytes, -1, {}, output});
  return static_cast<int>(p.tensors.size()) - 1;
}

// A node reading `inputs`, writing one new tensor of `bytes`, with its time per device.
int add_node(planner::Problem& p, const std::string& name, std::vector<int> inputs, int64_t bytes, std::vector<double> time_us, bool output = false) {
  const int n = static_cast<int>(p.nodes.size());
  const int out = add_tensor(p, name + ":out", bytes, output);
  p.tensors[static_cast<size_t>(out)].producer = n;
  for (int t : inputs) p.tensors[static_cast<size_t>(t)].consumers.push_back(n);
  p.nodes.push_back({name, "Op", inputs, {out}, std::move(time_us), 0, -1, {}});
  return n;
}

int output_of(const planner::Problem& p, int node) { return p.nodes[static_cast<size_t>(node)].outputs[0]; }

// a -> (b: 30 us, c: 20 us) -> d, on two CPU devices.
planner::Problem diamond() {
  planner::Problem p = empty_problem();
  const int x = add_tensor(p, "x", 8);
  const int a = add_node(p, "a", {x}, 8, {4, 4});
  const int b = add_node(p, "b", {output_of(p, a)}, 8, {30, 30});
  const int c = add_node(p, "c", {output_of(p, a)}, 8, {20, 20});
  add_node(p, "d", {output_of(p, b), output_of(p, c)}, 8, {1, 1}, true);
  return p;
}

}  // namespace

TEST_CASE("simulator: a chain on one device takes the sum of its nodes") {
  planner::Problem p = empty_problem();
  const int x = add_tensor(p, "x", 100);
  const int a = add_node(p, "a", {x}, 100, {10, 20});
  const int b = add_node(p, "b", {output_of(p, a)}, 100, {5, 5});
  add_node(p, "c", {output_of(p, b)}, 100, {7, 1}, true);
  const planner::Schedule s = planner::simulate(p, {0, 0, 0}, planner::graph_order(p));
  CHECK(s.makespan_us == 22.0);
  CHECK(s.start_us == std::vector<double>{0, 10, 15});
  CHECK(s.busy_us == std::vector<double>{22, 0});
  CHECK(s.copies.empty());
  // Peak: while b runs, a's output (its input) and b's output are both alive: 200 bytes.
  CHECK(s.peak_bytes[0] == 200);
  CHECK(s.memory_steps.empty());  // only when asked for
  // Over time (an output is allocated when its node starts): a's output from 0 to 15 (b's
  // end), b's from 10 to 22 (c's end), c's from 15 to the end; at 15 a's is freed as c's is made.
  const planner::Schedule m = planner::simulate(p, {0, 0, 0}, planner::graph_order(p), true);
  using Steps = std::vector<std::pair<double, int64_t>>;
  CHECK(m.memory_steps[0] == Steps{{0, 100}, {10, 200}, {15, 200}, {22, 0}});
  CHECK(m.memory_steps[1].empty());
}

TEST_CASE("simulator: a node fused into its producer is free beside it and costs its own time elsewhere") {
  planner::Problem p = empty_problem();
  const int x = add_tensor(p, "x", 8);
  const int conv = add_node(p, "conv", {x}, 8, {10, 10});
  const int relu = add_node(p, "relu", {output_of(p, conv)}, 8, {0, 0}, true);
  p.nodes[static_cast<size_t>(relu)].fused_with = conv;
  p.nodes[static_cast<size_t>(relu)].unfused_us = {3, 4};
  CHECK(planner::simulate(p, {0, 0}, planner::graph_order(p)).makespan_us == 10.0);
  const planner::Schedule split = planner::simulate(p, {0, 1}, planner::graph_order(p));
  CHECK(split.end_us[1] - split.start_us[1] == 4.0);  // alone on device 1
  CHECK(split.makespan_us > 10.0);
}

TEST_CASE("simulator: a diamond's branches run at once on two CPU devices") {
  const planner::Problem p = diamond();
  const int b = 1, c = 2;
  const planner::Schedule both = planner::simulate(p, {0, 0, 1, 0}, planner::graph_order(p));
  CHECK(both.start_us[static_cast<size_t>(c)] == 4.0);
  CHECK(both.makespan_us == 4 + 30 + 1);
  const planner::Schedule one = planner::simulate(p, {0, 0, 0, 0}, planner::graph_order(p));
  CHECK(one.makespan_us == 4 + 30 + 20 + 1);
  // On one device the priority decides which branch goes first.
  const planner::Schedule swapped = planner::simulate(p, {0, 0, 0, 0}, {0, 2, 1, 3});
  CHECK(swapped.start_us[static_cast<size_t>(c)] == 4.0);
  CHECK(swapped.start_us[static_cast<size_t>(b)] == 24.0);
}

TEST_CASE("simulator: copies to and from a GPU overlap the CPU's work, once per tensor and device") {
  planner::Problem p = empty_problem(true);
  const int x = add_tensor(p, "x", 50);  // a graph input, in host memory
  const int a = add_node(p, "a", {x}, 40, {5, 5, planner::cannot_run});
  const int g1 = add_node(p, "g1", {output_of(p, a)}, 30, {100, 100, 20});
  const int g2 = add_node(p, "g2", {output_of(p, a)}, 30, {100, 100, 20});
  const int busy = add_node(p, "cpu_work", {x}, 10, {60, 60, 60});
  add_node(p, "join", {output_of(p, g1), output_of(p, g2), output_of(p, busy)}, 10, {1, 1, 1}, true);
  // a on cpu0; g1, g2 on the GPU; cpu_work on cpu1; join on cpu0.
  const planner::Schedule s = planner::simulate(p, {0, 2, 2, 1, 0}, planner::graph_order(p));
  // a's output goes to the GPU once (both readers are there): 10 + 40 us, from t = 5.
  REQUIRE(s.copies.size() == 3);
  CHECK(s.copies[0].tensor == output_of(p, a));
  CHECK(s.copies[0].start_us == 5.0);
  CHECK(s.copies[0].end_us == 55.0);
  CHECK(s.start_us[static_cast<size_t>(g1)] == 55.0);
  CHECK(s.start_us[static_cast<size_t>(g2)] == 75.0);
  // g1's result comes back while g2 runs: the GPU->host engine is free of the host->GPU one.
  CHECK(s.copies[1].start_us == 75.0);
  CHECK(s.copies[1].end_us == 115.0);
  CHECK(s.copies[2].start_us == 115.0);  // g2's waits for the engine: 95 -> 115
  CHECK(s.copies[2].end_us == 155.0);
  CHECK(s.start_us[static_cast<size_t>(busy)] == 0.0);  // cpu1 ran meanwhile
  CHECK(s.makespan_us == 156.0);
  CHECK(s.copied_bytes() == 40 + 30 + 30);
  // On the GPU: a's output (40) from its copy's start to g2's end; g1's and g2's outputs (30
  // each) until their copies back end. Peak at t = 75..95: 40 + 30 + 30.
  CHECK(s.peak_bytes[2] == 100);
  CHECK(s.busy_us[2] == 40.0);
}

TEST_CASE("simulator: weights are resident for the whole run on the device that uses them") {
  planner::Problem p = empty_problem();
  const int x = add_tensor(p, "x", 10);
  const int a = add_node(p, "a", {x}, 10, {1, 1});
  add_node(p, "b", {output_of(p, a)}, 10, {1, 1}, true);
  p.nodes[0].weight_bytes = 1000;
  p.nodes[1].weight_bytes = 500;
  const planner::Schedule split = planner::simulate(p, {0, 1}, planner::graph_order(p));
  CHECK(split.peak_bytes[0] == 1000 + 10);
  CHECK(split.peak_bytes[1] == 500 + 10);
}

TEST_CASE("simulator: refuses a node on a device without its kernel, and an order that is not topological") {
  planner::Problem p = empty_problem(true);
  const int x = add_tensor(p, "x", 10);
  const int a = add_node(p, "a", {x}, 10, {1, 1, planner::cannot_run});
  add_node(p, "b", {output_of(p, a)}, 10, {1, 1, 1}, true);
  CHECK_THROWS_AS(planner::simulate(p, {2, 2}, planner::graph_order(p)), std::invalid_argument);
  CHECK_THROWS_AS(planner::simulate(p, {0, 0}, {1, 0}), std::invalid_argument);
}

TEST_CASE("simulator: the critical path is the nodes without slack") {
  const planner::Problem p = diamond();
  const planner::Assignment split{{0, 0, 1, 0}, planner::graph_order(p)};
  const planner::Schedule s = planner::simulate(p, split.device_of, split.priority);
  const std::vector<bool> critical = planner::critical_nodes(p, split, s);
  CHECK(critical == std::vector<bool>{true, true, false, true});  // c (20 us beside b's 30) has slack
  const planner::Assignment one{{0, 0, 0, 0}, planner::graph_order(p)};
  const std::vector<bool> all = planner::critical_nodes(p, one, planner::simulate(p, one.device_of, one.priority));
  CHECK(all == std::vector<bool>{true, true, true, true});  // one queue: everything is on the path
}
