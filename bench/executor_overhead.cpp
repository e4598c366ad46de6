// What the executor itself costs per node (issue 8: <= 5 us), on graphs of trivial nodes
// (Relu of 16 floats, ~0.1 us of work): the time of a request minus the kernels' own time,
// over the node count. Side by side in one run:
//   run       Executor::run on one CPU device (the whole run on the device's worker)
//   replay    Executor::replay on that device, one request at a time
//   2 chains  two independent chains, one per CPU device, replayed at once
//   ping-pong one chain alternating between two CPU devices: every node waits for the other
//             device (the worst case: a hand-off between threads per node)
// Peak RSS beside. `--busy-threads N` starts N threads that only spin, as other processes on a
// loaded machine would (the replay's drivers stop spinning while their cores are contended).
// Usage: build/bench/executor_overhead [--nodes 1000] [--requests 200] [--busy-threads 0]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "ir/graph_builder.h"
#include "ir/shape_inference.h"
#include "runtime/device_spec.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"

namespace {

ir::NodeSpec relu(const std::string& name, const std::string& in, const std::string& out) {
  ir::NodeSpec n;
  n.name = name;
  n.op_type = "Relu";
  n.inputs = {in};
  n.outputs = {out};
  return n;
}

// `chains` chains of `length` Relus each, all from the one input.
ir::Graph relu_chains(int chains, int length) {
  ir::GraphBuilder b("relu_chains.onnx");
  b.set_versions(8, 17);
  b.add_input("x", ir::DType::float32, std::vector<ir::Dim>{ir::Dim{16, ""}});
  for (int c = 0; c < chains; ++c) {
    std::string previous = "x";
    for (int i = 0; i < length; ++i) {
      const std::string out = "c" + std::to_string(c) + "_" + std::to_string(i);
      b.add_node(relu("relu_" + out, previous, out));
      previous = out;
    }
    b.add_output(previous, ir::DType::float32, std::nullopt);
  }
  ir::Graph g = std::move(b).build();
  ir::resolve_shapes(g, {}, "relu_chains.onnx");
  return g;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

struct Row {
  double request_us, kernels_us;
};

void print(const char* name, int nodes, const Row& row) {
  std::printf("%-10s %8d %14.1f %14.1f %16.2f %10.0f MiB\n", name, nodes, row.request_us, row.kernels_us, (row.request_us - row.kernels_us) / nodes,
              peak_rss_mib());
}

Row measure_replay(runtime::Executor& executor, const runtime::Tensor& x, int requests) {
  runtime::ReplayOptions options;
  options.requests = requests;
  executor.replay({x}, options);  // warm-up
  const runtime::ReplayResult r = executor.replay({x}, options);
  double latency = 0;
  for (const runtime::RequestRecord& q : r.requests) latency += q.latency_us();
  // Kernel time of one request on the critical path: with parallel chains, the longer device.
  const double kernels = *std::max_element(r.device_busy_us.begin(), r.device_busy_us.end());
  return {latency / requests, kernels / requests};
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 1000, requests = 200, busy_threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--nodes") nodes = std::atoi(argv[i + 1]);
    if (flag == "--requests") requests = std::atoi(argv[i + 1]);
    if (flag == "--busy-threads") busy_threads = std::atoi(argv[i + 1]);
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> busy;
  for (int i = 0; i < busy_threads; ++i)
    busy.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  auto devices = runtime::create_devices(runtime::parse_device_list("cpu:threads=1,cpu:threads=1", "--devices"));
  std::printf("%-10s %8s %14s %14s %16s %14s\n", "how", "nodes", "request us", "kernels us", "overhead us/node", "peak RSS");

  runtime::Tensor x = runtime::host_tensor(ir::DType::float32, {16});
  for (int i = 0; i < 16; ++i) x.as<float>()[i] = static_cast<float>(i - 8);
  const runtime::ExecutorOptions plain{.fuse = false, .channels_last = false};  // each Relu its own kernel

  {
    const ir::Graph g = relu_chains(1, nodes);
    runtime::Executor executor(g, *devices[0], plain);
    std::vector<double> node_us;
    double latency = 0, kernels = 0;
    devices[0]->execute([&] {
      executor.run({x});
      for (int r = 0; r < requests; ++r) {
        const auto start = std::chrono::steady_clock::now();
        executor.run({x}, &node_us);
        latency += std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
        kernels += std::accumulate(node_us.begin(), node_us.end(), 0.0);
      }
    });
    print("run", nodes, {latency / requests, kernels / requests});
    print("replay", nodes, measure_replay(executor, x, requests));
  }
  {
    const ir::Graph g = relu_chains(2, nodes / 2);
    std::vector<int> placement(g.nodes.size());
    for (size_t n = 0; n < placement.size(); ++n) placement[n] = n < g.nodes.size() / 2 ? 0 : 1;
    runtime::Executor executor(g, {devices[0].get(), devices[1].get()}, placement, plain);
    print("2 chains", nodes, measure_replay(executor, x, requests));
  }
  {
    const ir::Graph g = relu_chains(1, nodes);
    std::vector<int> placement(g.nodes.size());
    for (size_t n = 0; n < placement.size(); ++n) placement[n] = static_cast<int>(n % 2);
    runtime::Executor executor(g, {devices[0].get(), devices[1].get()}, placement, plain);
    const Row row = measure_replay(executor, x, std::max(1, requests / 10));
    // Every node waits for the other device: the kernels of both are on the path.
    print("ping-pong", nodes, {row.request_us, 2 * row.kernels_us});
  }
  stop = true;
  for (std::thread& t : busy) t.join();
  return 0;
}
