// Cutting a plan into parts: the plan's concurrency is kept, the parts form stages.
#include <doctest/doctest.h>

#include <map>

#include "exporter/partitions.h"
#include "ir/error.h"
#include "ir/graph_builder.h"
#include "ir/shape_inference.h"

namespace {

ir::NodeSpec op(const std::string& type, const std::string& name, std::vector<std::string> in, const std::string& out) {
  ir::NodeSpec n;
  n.name = name;
  n.op_type = type;
  n.inputs = std::move(in);
  n.outputs = {out};
  return n;
}

// x -> a -> b -> d, a -> c -> d (d adds b and c).
ir::Graph diamond() {
  ir::GraphBuilder b("diamond.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{ir::Dim{4, ""}});
  b.add_node(op("Relu", "a", {"x"}, "a_out"));
  b.add_node(op("Relu", "b", {"a_out"}, "b_out"));
  b.add_node(op("Relu", "c", {"a_out"}, "c_out"));
  b.add_node(op("Add", "d", {"b_out", "c_out"}, "d_out"));
  b.add_output("d_out", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "diamond.onnx");
  return g;
}

planner::Plan plan_of(const std::vector<std::tuple<std::string, std::string, int, double, double>>& nodes) {
  planner::Plan p;
  p.devices = {{"cpu0", "cpu:threads=1", false, "", true}, {"cuda0", "cuda:0", false, "", true}};
  for (const auto& [name, device, order, start, end] : nodes) p.nodes.push_back({name, "Relu", device, order, start, end, "op", false, {}, {}, {}, {}});
  return p;
}

std::vector<std::string> names(const ir::Graph& g, const exporter::Part& part) {
  std::vector<std::string> out;
  for (ir::NodeId n : part.nodes) out.push_back(g.node(n).name);
  return out;
}

}  // namespace

TEST_CASE("export: parts follow the schedule, so branches the plan runs at once are parts of one stage") {
  const ir::Graph g = diamond();
  // b waits on cpu0 while c runs on cuda0 from 10 to 30: b must not wait for c, c must not
  // wait for b.
  const planner::Plan plan = plan_of({{"a", "cpu0", 0, 0, 10}, {"b", "cpu0", 1, 10, 20}, {"c", "cuda0", 0, 10, 30}, {"d", "cpu0", 2, 30, 40}});
  const auto parts = exporter::partition_plan(g, plan, "p.json");
  REQUIRE(parts.size() == 4);
  CHECK(names(g, parts[0]) == std::vector<std::string>{"a"});
  CHECK(parts[0].stage == 0);
  CHECK((parts[1].stage == 1 && parts[1].device == "cpu0" && names(g, parts[1]) == std::vector<std::string>{"b"}));
  CHECK((parts[2].stage == 1 && parts[2].device == "cuda0" && names(g, parts[2]) == std::vector<std::string>{"c"}));
  CHECK((parts[3].stage == 2 && names(g, parts[3]) == std::vector<std::string>{"d"}));
  CHECK(parts[0].name == "part00_cpu0");
  // Boundaries: a's output leaves for both; d reads both branches and writes the model's output.
  CHECK(parts[0].outputs.size() == 1);
  CHECK(parts[3].inputs.size() == 2);
  CHECK(g.tensor(parts[3].outputs.at(0)).name == "d_out");
  CHECK(g.tensor(parts[0].inputs.at(0)).name == "x");
}

TEST_CASE("export: one device's nodes that nothing else waits for stay one part") {
  const ir::Graph g = diamond();
  const planner::Plan plan = plan_of({{"a", "cpu0", 0, 0, 10}, {"b", "cpu0", 1, 10, 20}, {"c", "cpu0", 2, 20, 30}, {"d", "cpu0", 3, 30, 40}});
  const auto parts = exporter::partition_plan(g, plan, "p.json");
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].nodes.size() == 4);
  CHECK(parts[0].inputs.size() == 1);
  CHECK(parts[0].outputs.size() == 1);
}

TEST_CASE("export: a node the plan lacks, or on a device it does not list, is refused naming it") {
  const ir::Graph g = diamond();
  try {
    exporter::partition_plan(g, plan_of({{"a", "cpu0", 0, 0, 10}, {"b", "cpu0", 1, 10, 20}, {"c", "cpu0", 2, 20, 30}}), "short.plan.json");
    FAIL("expected an error");
  } catch (const ir::Error& e) {
    CHECK(std::string(e.what()).find("'d'") != std::string::npos);
    CHECK(std::string(e.what()).find("short.plan.json") != std::string::npos);
  }
  CHECK_THROWS_AS(exporter::partition_plan(g, plan_of({{"a", "tpu0", 0, 0, 10}, {"b", "cpu0", 1, 10, 20}, {"c", "cpu0", 2, 20, 30}, {"d", "cpu0", 3, 30, 40}}), "p.json"),
                  ir::Error);
}

TEST_CASE("export: zero-time nodes starting together on two devices still give parts that run in order") {
  const ir::Graph g = diamond();
  // Every node at time 0 for 0 us (a plan of shared-memory devices and fused nodes can say so);
  // c's device queue lists it first.
  const planner::Plan plan = plan_of({{"a", "cpu0", 0, 0, 0}, {"b", "cuda0", 1, 0, 0}, {"c", "cuda0", 0, 0, 0}, {"d", "cpu0", 1, 0, 0}});
  const auto parts = exporter::partition_plan(g, plan, "p.json");
  std::map<std::string, size_t> part_of;
  for (size_t p = 0; p < parts.size(); ++p)
    for (ir::NodeId n : parts[p].nodes) part_of[g.node(n).name] = p;
  REQUIRE(part_of.size() == 4);
  // Every part's inputs come from parts listed before it (or the model's inputs).
  for (size_t p = 0; p < parts.size(); ++p)
    for (ir::TensorId t : parts[p].inputs) {
      const ir::NodeId producer = g.tensor(t).producer;
      if (producer != ir::no_node) CHECK(part_of.at(g.node(producer).name) < p);
    }
}

TEST_CASE("export: a device name that cannot name a file is refused") {
  const ir::Graph g = diamond();
  planner::Plan plan = plan_of({{"a", "cpu0", 0, 0, 10}, {"b", "cpu0", 1, 10, 20}, {"c", "cpu0", 2, 20, 30}, {"d", "cpu0", 3, 30, 40}});
  plan.devices[0].name = "../escape";
  for (auto& n : plan.nodes) n.device = "../escape";
  CHECK_THROWS_AS(exporter::partition_plan(g, plan, "p.json"), ir::Error);
}

