#include "runtime/cpu/cpu_device.h"

#include <omp.h>
#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <future>

#include "ir/error.h"
#include "runtime/cpu/cpu_kernels.h"

namespace runtime::cpu {

namespace {
constexpr auto spin_time = std::chrono::microseconds(200);
}  // namespace

CpuDevice::CpuDevice(std::string name, int threads, std::vector<int> cores, bool caller_spins)
    : name_(std::move(name)),
      cores_(std::move(cores)),
      caller_spins_(caller_spins),
      allocator_(std::make_shared<HostAllocator>()) {
  context_.threads = threads;
  context_.engine = dnnl::engine(dnnl::engine::kind::cpu, 0);
  context_.stream = dnnl::stream(context_.engine);
  worker_ = std::thread([this] { worker_loop(); });
}

CpuDevice::~CpuDevice() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::string CpuDevice::description() const {
  std::string text = "cpu:threads=" + std::to_string(context_.threads);
  if (cores_.empty()) return text + " (not pinned)";
  text += " (cores ";
  for (size_t i = 0; i < cores_.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(cores_[i]);
  }
  return text + ")";
}

void CpuDevice::worker_loop() {
  if (!cores_.empty()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int core : cores_) CPU_SET(core, &set);
    // Best effort: a container may forbid it; the device still works, unpinned.
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  }
  // This thread's OpenMP team size: every parallel region a kernel opens from here
  // (oneDNN's included) uses exactly the device's threads.
  omp_set_num_threads(context_.threads);
  while (true) {
    std::function<void()> work;
    // Work usually comes in bursts (run after run); a short spin before sleeping saves the
    // tens of microseconds a condition-variable wake-up costs, which small models notice.
    const auto spin_until = std::chrono::steady_clock::now() + spin_time;
    while (!queued_.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < spin_until) std::this_thread::yield();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(!queue_.empty(), std::memory_order_release);
    }
    work();
  }
}

void CpuDevice::execute(const std::function<void()>& work) {
  if (std::this_thread::get_id() == worker_.get_id()) {
    work();
    return;
  }
  std::promise<void> done;
  auto finished = done.get_future();
  std::atomic<bool> finished_flag{false};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back([&] {
      // The flag is set before the promise: once the caller's get() returns, its stack
      // (flag and promise) is gone, so nothing may touch them after set_value.
      try {
        work();
        finished_flag.store(true, std::memory_order_release);
        done.set_value();
      } catch (...) {
        finished_flag.store(true, std::memory_order_release);
        done.set_exception(std::current_exception());
      }
    });
    queued_.store(true, std::memory_order_release);
  }
  wake_.notify_one();
  // The same short spin on the caller's side before blocking on the future, only when a core
  // is left over for it: a caller spinning on a core the device's threads need delays a
  // thread at an OpenMP barrier by a whole scheduler tick (a 0.1 ms GRU took 4 ms).
  if (caller_spins_) {
    const auto spin_until = std::chrono::steady_clock::now() + spin_time;
    while (!finished_flag.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < spin_until) std::this_thread::yield();
  }
  finished.get();
}

namespace {

// Ops whose CPU kernels are oneDNN primitives built for float32 only (require_float32 in
// their prepare()); the rest take the integer and bool types ONNX gives them.
bool float32_only(ir::OpKind op) {
  switch (op) {
    case ir::OpKind::Conv:
    case ir::OpKind::ConvTranspose:
    case ir::OpKind::Gemm:
    case ir::OpKind::MatMul:
    case ir::OpKind::MaxPool:
    case ir::OpKind::AveragePool:
    case ir::OpKind::GlobalAveragePool:
    case ir::OpKind::GlobalMaxPool:
    case ir::OpKind::BatchNormalization:
    case ir::OpKind::InstanceNormalization:
    case ir::OpKind::LayerNormalization:
    case ir::OpKind::Softmax:
    case ir::OpKind::LogSoftmax: return true;
    default: return false;
  }
}

bool supports_shapes(const ir::Graph& graph, const ir::Node& node) {
  for (ir::TensorId t : node.inputs)
    if (t != ir::no_tensor && (!graph.tensor(t).shape_known || graph.tensor(t).dtype == ir::DType::string)) return false;
  for (ir::TensorId t : node.outputs)
    if (t != ir::no_tensor && !graph.tensor(t).shape_known) return false;
  return true;
}

}  // namespace

// A cheap check of op and dtypes; attribute values a kernel refuses still surface in
// prepare() (as ir::Error(unsupported) naming the node and the reason).
bool CpuDevice::supports(const ir::Graph& graph, const ir::Node& node) const {
  if (node.op == ir::OpKind::unknown || node.has_subgraph) return false;
  for (ir::TensorId t : node.inputs) {
    if (t == ir::no_tensor) continue;
    const ir::Tensor& tensor = graph.tensor(t);
    if (!tensor.shape_known || tensor.dtype == ir::DType::string || tensor.dtype == ir::DType::undefined) return false;
    if (float32_only(node.op) && tensor.dtype != ir::DType::float32) return false;
  }
  for (ir::TensorId t : node.outputs)
    if (t != ir::no_tensor && !graph.tensor(t).shape_known) return false;
  return true;
}

std::unique_ptr<Kernel> CpuDevice::create_kernel(const ir::Graph& graph, const ir::Node& node) {
  // Op and shapes are checked here; a dtype or attribute a kernel does not take is refused by
  // its prepare() with the precise reason.
  if (node.op == ir::OpKind::unknown || node.has_subgraph || !supports_shapes(graph, node))
    throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "' (" + node.op_type + ") cannot run on " + name_);
  return kernel_factory(node.op)(context_);
}

Tensor CpuDevice::allocate(ir::DType dtype, const std::vector<int64_t>& shape, Layout layout) {
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.layout = layout;  // channels-last holds the same elements, so the same bytes
  t.storage = allocator_->allocate(static_cast<size_t>(t.size_bytes()));
  t.data = t.storage.get();
  return t;
}

}  // namespace runtime::cpu
