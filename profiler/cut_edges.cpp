#include "profiler/cut_edges.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "ir/graph_builder.h"
#include "ir/shape_inference.h"
#include "runtime/device_spec.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"

namespace profiler {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int chain_nodes = 9;   // 8 edges
constexpr int requests = 200;    // per placement, in turns of 20

// x -> Relu -> Relu -> ... on 64 floats: each node next to nothing, so the replay's time is its
// hand-offs.
ir::Graph relu_chain() {
  ir::GraphBuilder b("(cut-edge chain)");
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{ir::Dim{64, ""}});
  for (int k = 0; k < chain_nodes; ++k) {
    ir::NodeSpec node;
    node.name = "relu" + std::to_string(k);
    node.op_type = "Relu";
    node.inputs = {k == 0 ? "x" : "t" + std::to_string(k - 1)};
    node.outputs = {k + 1 == chain_nodes ? "y" : "t" + std::to_string(k)};
    b.add_node(std::move(node));
  }
  b.add_output("y", ir::DType::float32, std::nullopt);
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "(cut-edge chain)");
  return g;
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

std::vector<LinkProfile> measure_cut_edges(const std::vector<runtime::Device*>& devices, double& timed_us) {
  std::vector<runtime::Device*> cpus;
  for (runtime::Device* d : devices)
    if (d->kind() == runtime::DeviceKind::cpu && !runtime::cores_in_description(d->description()).empty()) cpus.push_back(d);
  auto disjoint = [](runtime::Device* a, runtime::Device* b) {
    const std::vector<int> x = runtime::cores_in_description(a->description()), y = runtime::cores_in_description(b->description());
    return std::none_of(x.begin(), x.end(), [&](int c) { return std::find(y.begin(), y.end(), c) != y.end(); });
  };
  std::vector<LinkProfile> links;
  const ir::Graph chain = relu_chain();
  std::mt19937 rng(2);
  runtime::Tensor x = runtime::host_tensor(ir::DType::float32, {64});
  runtime::fill_random(x, rng);
  const auto began = Clock::now();
  for (runtime::Device* a : cpus)
    for (runtime::Device* b : cpus) {
      if (a == b || !disjoint(a, b)) continue;
      std::vector<int> alternate(chain_nodes), alone(chain_nodes, 0);
      for (int k = 0; k < chain_nodes; ++k) alternate[static_cast<size_t>(k)] = k % 2;
      runtime::ExecutorOptions options;
      options.fuse = false;
      runtime::Executor split(chain, {a, b}, alternate, options), one(chain, {a, b}, alone, options);
      std::vector<double> split_us, one_us;
      for (int turn = 0; turn < requests / 20 + 1; ++turn)
        for (auto [executor, out] : {std::pair{&split, &split_us}, std::pair{&one, &one_us}}) {
          const runtime::ReplayResult r = executor->replay({x}, {{}, 20, 1, {}, false});
          if (turn == 0) continue;  // warm-up
          for (const runtime::RequestRecord& q : r.requests) out->push_back(q.latency_us());
        }
      // The chain's first edge is 'a' to 'b', then back: both directions, each measured alike.
      const double per_edge = std::max(0.0, (median(split_us) - median(one_us)) / (chain_nodes - 1));
      LinkProfile link{a->name(), b->name(), "cut", "", {}, per_edge, std::nullopt};
      links.push_back(std::move(link));
    }
  timed_us += std::chrono::duration<double, std::micro>(Clock::now() - began).count();
  return links;
}

}  // namespace profiler
