// Executor::replay: every device working at once on a plan, several requests in flight.
//
// One thread drives each device (on a CPU device, its own pinned worker, so kernels run inline
// with its OpenMP team; on a GPU, a host thread issuing to its compute stream). A driver takes,
// from the requests in flight oldest first, the next node of its queue whose inputs are ready,
// runs it, and marks what it wrote ready. A tensor is freed when its last reader of that
// request is done (not at its last reader in graph order: another device may still be reading
// it). Each request in flight has a slot of its own (its tensors, ready flags, progress); the
// number of slots bounds every queue between devices.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <numeric>
#include <queue>
#include <thread>

#include "ir/error.h"
#include "runtime/executor.h"
#include "runtime/host_tensors.h"
#include "runtime/spin_gate.h"

namespace runtime {

std::vector<std::vector<size_t>> Executor::device_queues(const std::vector<int>& order) const {
  const size_t n = graph_.nodes.size();
  if (!order.empty() && order.size() != n)
    throw ir::Error(ir::ErrorKind::usage, "an order names " + std::to_string(order.size()) + " nodes, the graph has " + std::to_string(n));
  std::vector<std::vector<size_t>> queues(devices_.size());
  for (size_t i = 0; i < n; ++i)
    if (kernels_[i]) queues[static_cast<size_t>(placement_[i])].push_back(i);
  for (auto& queue : queues)
    std::stable_sort(queue.begin(), queue.end(), [&](size_t a, size_t b) { return order.empty() ? a < b : order[a] < order[b]; });

  // Run the queues on paper: each device takes its next node once everything it reads is
  // written. A queue that stops early would stop the replay forever.
  std::vector<size_t> writer(graph_.tensors.size(), n);  // the kernel node writing each tensor
  for (size_t i = 0; i < n; ++i)
    if (kernels_[i])
      for (ir::TensorId t : run_nodes_[i]->outputs)
        if (t != ir::no_tensor) writer[static_cast<size_t>(write_to_[static_cast<size_t>(t)])] = i;
  std::vector<bool> done(n, false);
  std::vector<size_t> next(queues.size(), 0);
  auto runnable = [&](size_t i) {
    for (ir::TensorId t : run_nodes_[i]->inputs)
      if (t != ir::no_tensor && writer[static_cast<size_t>(t)] < n && !done[writer[static_cast<size_t>(t)]]) return false;
    return true;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t d = 0; d < queues.size(); ++d)
      while (next[d] < queues[d].size() && runnable(queues[d][next[d]])) {
        done[queues[d][next[d]++]] = true;
        progress = true;
      }
  }
  for (size_t d = 0; d < queues.size(); ++d)
    if (next[d] < queues[d].size()) {
      const ir::Node& stuck = graph_.nodes[queues[d][next[d]]];
      throw ir::Error(ir::ErrorKind::usage, "the order deadlocks: node '" + stuck.name + "' on " + devices_[d]->name() +
                                                " waits for a node that cannot run before it");
    }
  return queues;
}

namespace {

using Clock = std::chrono::steady_clock;

double micros_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); }

// One request in flight: its tensors and how far each device got with it.
struct Slot {
  int request = -1;                   // the request it holds
  std::vector<Tensor> values;         // per tensor
  std::vector<Tensor> moved;          // per tensor x device: copies in other memories
  std::vector<int> location;          // per tensor: the device holding it, or -1 (host)
  std::unique_ptr<std::atomic<bool>[]> ready;        // per tensor: written
  std::unique_ptr<std::atomic<int>[]> readers_left;  // per tensor: readers of this request still to run
  std::vector<size_t> cursor;         // per device: its next node in its queue
  int nodes_left = 0;
};

// What one driving thread sums up, merged after the replay.
struct DriverTally {
  double busy_us = 0;
  Executor::CopyTally copies;
};

// The most requests an arrival found waiting for a slot. Requests are admitted in arrival
// order, so a request waits for a slot exactly when `slots` earlier requests are unfinished at
// its arrival; those waiting at an arrival are the earlier ones that waited and were not yet
// admitted (a contiguous range, admission times never decreasing). The time between arrival
// and admission is otherwise the drivers' reaction, not a queue.
int most_waiting_for_a_slot(const std::vector<RequestRecord>& requests, size_t slots) {
  const size_t n = requests.size();
  std::priority_queue<double, std::vector<double>, std::greater<>> unfinished;  // earlier requests' finish times
  std::vector<int> waited_before(n + 1, 0);                                     // prefix counts of requests that waited
  for (size_t k = 0; k < n; ++k) {
    const double t = requests[k].arrived_us;
    while (!unfinished.empty() && unfinished.top() <= t) unfinished.pop();  // arrivals never decrease
    waited_before[k + 1] = waited_before[k] + (unfinished.size() >= slots ? 1 : 0);
    unfinished.push(requests[k].finished_us);
  }
  int most = 0;
  for (size_t k = 0, first_unadmitted = 0; k < n; ++k) {
    while (first_unadmitted < k && requests[first_unadmitted].admitted_us <= requests[k].arrived_us) ++first_unadmitted;
    most = std::max(most, waited_before[k + 1] - waited_before[first_unadmitted]);
  }
  return most;
}

}  // namespace

ReplayResult Executor::replay(const std::vector<Tensor>& inputs, const ReplayOptions& options) {
  check_inputs(inputs);
  if (options.requests < 1 || options.concurrency < 1) throw ir::Error(ir::ErrorKind::usage, "a replay needs at least one request and one slot");
  const bool open_loop = !options.arrivals_us.empty();
  if (open_loop && options.arrivals_us.size() != static_cast<size_t>(options.requests))
    throw ir::Error(ir::ErrorKind::usage, "arrival times for " + std::to_string(options.arrivals_us.size()) + " requests, " +
                                              std::to_string(options.requests) + " requested");
  const std::vector<std::vector<size_t>> queues = device_queues(options.order);
  const size_t tensors = graph_.tensors.size(), devices = devices_.size(), nodes = graph_.nodes.size();

  // Per kernel node, the activations it reads (each once); per tensor, how many such readers.
  std::vector<std::vector<size_t>> reads(nodes);
  std::vector<int> readers(tensors, 0);
  int kernel_nodes = 0;
  for (size_t i = 0; i < nodes; ++i) {
    if (!kernels_[i]) continue;
    ++kernel_nodes;
    for (ir::TensorId t : run_nodes_[i]->inputs) {
      if (t == ir::no_tensor || is_constant_[static_cast<size_t>(t)]) continue;
      const auto index = static_cast<size_t>(t);
      if (std::find(reads[i].begin(), reads[i].end(), index) == reads[i].end()) {
        reads[i].push_back(index);
        ++readers[index];
      }
    }
  }
  std::vector<bool> is_output(tensors, false);
  for (ir::TensorId t : graph_.outputs) is_output[static_cast<size_t>(t)] = true;

  const auto slot_count = static_cast<size_t>(std::min(options.concurrency, options.requests));
  std::vector<Slot> slots(slot_count);
  for (Slot& s : slots) {
    s.values.resize(tensors);
    s.moved.resize(tensors * devices);
    s.location.assign(tensors, host);
    s.ready = std::make_unique<std::atomic<bool>[]>(tensors);
    s.readers_left = std::make_unique<std::atomic<int>[]>(tensors);
    s.cursor.assign(devices, 0);
  }

  ReplayResult result;
  result.requests.resize(static_cast<size_t>(options.requests));
  result.node_total_us.assign(nodes, 0.0);
  if (options.record_nodes) result.spans.assign(static_cast<size_t>(options.requests), std::vector<NodeSpan>(nodes));
  std::vector<DriverTally> tallies(devices);
  for (DriverTally& t : tallies) t.copies.keep = options.record_nodes;

  std::mutex mutex;  // guards admission, the active list, cursors and finishing
  std::condition_variable changed;
  // Bumped (under the lock) at every change a waiting driver may be waiting for: a driver with
  // nothing to do spins on it briefly before sleeping, since waking a sleeping thread costs
  // tens of microseconds, more than most nodes (a chain alternating devices paid 46 us a node);
  // each driver's SpinGate stops it while its core is contended.
  std::atomic<uint64_t> epoch{0};
  constexpr auto spin_before_sleeping = std::chrono::microseconds(50);
  std::deque<size_t> active;  // slots in flight, oldest request first
  std::vector<size_t> free_slots(slot_count);
  std::iota(free_slots.rbegin(), free_slots.rend(), size_t{0});
  int admitted = 0, finished = 0;
  bool failed = false;
  std::exception_ptr failure;
  // The clock starts when every driver is on its device (a worker's first hand-off can take
  // milliseconds), so that open-loop arrivals are not late from the outset.
  size_t drivers_ready = 0;
  Clock::time_point start;

  // Under the lock: hand free slots to the requests due by now.
  auto admit = [&](Clock::time_point now) {
    const double now_us = micros_between(start, now);
    while (admitted < options.requests && !free_slots.empty() && (!open_loop || options.arrivals_us[static_cast<size_t>(admitted)] <= now_us)) {
      const size_t s = free_slots.back();
      free_slots.pop_back();
      Slot& slot = slots[s];
      slot.request = admitted;
      for (size_t t = 0; t < tensors; ++t) {
        slot.ready[t].store(false, std::memory_order_relaxed);
        slot.readers_left[t].store(readers[t], std::memory_order_relaxed);
        slot.location[t] = host;
      }
      for (size_t k = 0; k < inputs.size(); ++k) {
        const auto t = static_cast<size_t>(graph_.inputs[k]);
        slot.values[t] = inputs[k];
        slot.ready[t].store(true, std::memory_order_release);
      }
      std::fill(slot.cursor.begin(), slot.cursor.end(), 0);
      slot.nodes_left = kernel_nodes;
      RequestRecord& record = result.requests[static_cast<size_t>(admitted)];
      record.arrived_us = open_loop ? options.arrivals_us[static_cast<size_t>(admitted)] : now_us;
      record.admitted_us = now_us;
      active.push_back(s);
      ++admitted;
      epoch.fetch_add(1, std::memory_order_release);  // other devices may start on it
      changed.notify_all();
    }
  };

  auto inputs_ready = [&](const Slot& slot, size_t node) {
    for (size_t t : reads[node])
      if (!slot.ready[t].load(std::memory_order_acquire)) return false;
    return true;
  };

  // Runs `node` of the request in `slot` on device d (the calling thread drives it).
  auto run_node = [&](Slot& slot, size_t node, size_t d, std::vector<const Tensor*>& in, std::vector<Tensor*>& out) {
    const ir::Node& op = *run_nodes_[node];
    const int where = static_cast<int>(d);
    DriverTally& tally = tallies[d];
    tally.copies.request = slot.request;
    gather_inputs(op, where, slot.values, slot.location, slot.moved, in, &tally.copies);
    allocate_outputs(op, where, slot.values, slot.location, out);
    const Clock::time_point began = Clock::now();
    kernels_[node]->run(in, out);
    const Clock::time_point ended = Clock::now();
    const double took = micros_between(began, ended);
    tally.busy_us += took;
    result.node_total_us[node] += took;  // a node runs on one driver only
    if (options.record_nodes) result.spans[static_cast<size_t>(slot.request)][node] = {micros_between(start, began), micros_between(start, ended)};
    for (ir::TensorId t : op.outputs) {
      if (t == ir::no_tensor) continue;
      const auto target = static_cast<size_t>(write_to_[static_cast<size_t>(t)]);
      if (readers[target] == 0 && !is_output[target]) slot.values[target] = Tensor{};  // nobody reads it
      else slot.ready[target].store(true, std::memory_order_release);
    }
    for (size_t t : reads[node])
      if (slot.readers_left[t].fetch_sub(1, std::memory_order_acq_rel) == 1 && !is_output[t]) {
        slot.values[t] = Tensor{};
        for (size_t k = 0; k < devices; ++k) slot.moved[t * devices + k] = Tensor{};
      }
  };

  // The request's last node is done: its outputs, wherever they are, reach host memory (a copy
  // from a GPU waits for the work that wrote them); the last request's are kept.
  auto finish_request = [&](Slot& slot, size_t d) {
    const bool keep = slot.request == options.requests - 1;
    std::vector<Tensor> kept;
    for (ir::TensorId t : graph_.outputs) {
      const auto index = static_cast<size_t>(t);
      Tensor value = is_constant_[index] ? constants_[index] : slot.values[index];
      const int holder = is_constant_[index] ? host : slot.location[index];
      if (holder != host && !devices_[static_cast<size_t>(holder)]->host_accessible()) {
        Tensor on_host = host_tensor(value.dtype, value.shape);
        const Clock::time_point began = Clock::now();
        devices_[static_cast<size_t>(holder)]->copy_to_host(value, on_host.data);
        CopyTally& copies = tallies[d].copies;  // this driver's
        copies.request = slot.request;
        copies.add(t, holder, host, on_host.size_bytes(), began, Clock::now());
        value = on_host;
      }
      if (keep) kept.push_back(value);
    }
    if (keep) result.outputs = std::move(kept);
    for (Tensor& v : slot.values) v = Tensor{};
    for (Tensor& v : slot.moved) v = Tensor{};
  };

  auto drive = [&](size_t d) {
    const std::vector<size_t>& queue = queues[d];
    std::vector<const Tensor*> in;
    std::vector<Tensor*> out;
    SpinGate gate;
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (++drivers_ready == devices) {
        start = Clock::now();
        changed.notify_all();
      }
      changed.wait(lock, [&] { return drivers_ready == devices || failed; });
    }
    // A device the plan gives no node has nothing to wait for: its driver spinning for work
    // would only take a core from the others (mlp at batch 1 on two 1-thread devices, all on
    // one: 11.9 us a request against 7.4 us with the idle device's driver gone).
    if (queue.empty()) return;
    for (;;) {
      Slot* chosen = nullptr;
      size_t node = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
          if (failed || finished == options.requests) return;
          admit(Clock::now());
          for (size_t s : active) {
            Slot& slot = slots[s];
            if (slot.cursor[d] < queue.size() && inputs_ready(slot, queue[slot.cursor[d]])) {
              chosen = &slot;
              node = queue[slot.cursor[d]];
              break;
            }
          }
          if (chosen) break;
          const uint64_t seen = epoch.load(std::memory_order_acquire);
          lock.unlock();
          if (const Clock::time_point now = Clock::now(); gate.open(now)) {
            const long switches = gate.before_spin();
            for (const Clock::time_point until = now + spin_before_sleeping;
                 epoch.load(std::memory_order_acquire) == seen && Clock::now() < until;)
              std::this_thread::yield();
            gate.after_spin(switches, Clock::now());
          }
          lock.lock();
          if (epoch.load(std::memory_order_acquire) != seen) continue;
          if (open_loop && admitted < options.requests && !free_slots.empty())
            changed.wait_until(lock, start + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double, std::micro>(options.arrivals_us[static_cast<size_t>(admitted)])));
          else
            changed.wait(lock);
        }
      }
      run_node(*chosen, node, d, in, out);
      bool last = false;
      {
        std::lock_guard<std::mutex> lock(mutex);
        ++chosen->cursor[d];
        last = --chosen->nodes_left == 0;
        epoch.fetch_add(1, std::memory_order_release);
      }
      if (last) {
        finish_request(*chosen, d);
        std::lock_guard<std::mutex> lock(mutex);
        result.requests[static_cast<size_t>(chosen->request)].finished_us = micros_between(start, Clock::now());
        active.erase(std::find(active.begin(), active.end(), static_cast<size_t>(chosen - slots.data())));
        chosen->request = -1;
        free_slots.push_back(static_cast<size_t>(chosen - slots.data()));
        ++finished;
        epoch.fetch_add(1, std::memory_order_release);
      }
      changed.notify_all();
    }
  };

  auto fail = [&](std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!failed) failure = std::move(error);
    failed = true;
    epoch.fetch_add(1, std::memory_order_release);
    changed.notify_all();
  };
  std::vector<std::thread> drivers;
  try {
    for (size_t d = 0; d < devices; ++d)
      drivers.emplace_back([&, d] {
        try {
          devices_[d]->execute([&] { drive(d); });
        } catch (...) {
          fail(std::current_exception());
        }
      });
  } catch (...) {  // no thread for a device: the started ones wait for it at the start
    fail(std::current_exception());
  }
  for (std::thread& t : drivers) t.join();
  if (failure) std::rethrow_exception(failure);

  if (open_loop) result.most_waiting = most_waiting_for_a_slot(result.requests, slot_count);

  result.wall_us = 0;
  for (const RequestRecord& r : result.requests) result.wall_us = std::max(result.wall_us, r.finished_us);
  if (!result.requests.empty()) result.wall_us -= result.requests.front().admitted_us;
  for (const DriverTally& t : tallies) {
    result.device_busy_us.push_back(t.busy_us);
    result.copies += t.copies.count;
    result.copied_bytes += t.copies.bytes;
    result.copy_us += t.copies.time_us;
    for (const CopyRecord& c : t.copies.records)
      result.copy_spans.push_back({c.request, static_cast<int>(c.tensor), c.from, c.to, c.bytes, micros_between(start, c.began), micros_between(start, c.ended)});
  }
  return result;
}

}  // namespace runtime
