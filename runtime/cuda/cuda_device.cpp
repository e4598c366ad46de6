// Host code only (C++20, the CUDA runtime API); kernels live in .cu files.
// The CUDA device: one compute stream and one copy stream per direction, memory from the
// caching allocator over cudaMalloc, kernels from the CUDA kernel registry (cuda_kernels.h).
// An op (or dtype) without a kernel is one supports() declines and create_kernel() refuses by
// name, so a plan places it on another device.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <string>

#include "ir/error.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/cuda_context.h"
#include "runtime/cuda/cuda_kernels.h"
#include "runtime/cuda/host_staging.h"
#include "runtime/cuda/cuda_device.h"

namespace runtime::cuda {

namespace {

// Throws ir::Error naming the device and the call when a CUDA call fails.
void check(cudaError_t status, int device, const char* what) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear a sticky error so the next call is not confused by it
  throw ir::Error(ir::ErrorKind::internal, "device 'cuda:" + std::to_string(device) + "': " + what + " failed: " +
                                               cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

class CudaBackend final : public MemoryBackend {
 public:
  explicit CudaBackend(int device) : device_(device) {}
  void* allocate(size_t bytes) override {
    void* p = nullptr;
    if (cudaSetDevice(device_) != cudaSuccess || cudaMalloc(&p, bytes) != cudaSuccess) {
      cudaGetLastError();  // out of memory is reported by returning null; the allocator decides
      // The allocator may now hand cached blocks back: no stream may still be using them.
      cudaDeviceSynchronize();
      return nullptr;
    }
    return p;
  }
  void release(void* block) override { cudaFree(block); }

 private:
  int device_;
};

// Events on the compute stream around the work: the GPU's own time for it.
class CudaEventTimer final : public DeviceTimer {
 public:
  CudaEventTimer(int device, cudaStream_t stream) : device_(device), stream_(stream) {
    check(cudaEventCreate(&start_), device, "cudaEventCreate");
    check(cudaEventCreate(&stop_), device, "cudaEventCreate");
  }
  ~CudaEventTimer() override {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  void start() override { check(cudaEventRecord(start_, stream_), device_, "cudaEventRecord"); }
  double stop_us() override {
    check(cudaEventRecord(stop_, stream_), device_, "cudaEventRecord");
    check(cudaEventSynchronize(stop_), device_, "cudaEventSynchronize");
    float ms = 0.0f;
    check(cudaEventElapsedTime(&ms, start_, stop_), device_, "cudaEventElapsedTime");
    return static_cast<double>(ms) * 1000.0;
  }
  const char* method() const override { return "cuda_events"; }

 private:
  int device_;
  cudaStream_t stream_;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

class CudaDevice final : public Device {
 public:
  explicit CudaDevice(int index) : index_(index), name_("cuda" + std::to_string(index)) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();
      throw ir::Error(ir::ErrorKind::unsupported, "device 'cuda:" + std::to_string(index) + "': no GPU (" + cudaGetErrorName(status) + ")");
    }
    if (index < 0 || index >= count)
      throw ir::Error(ir::ErrorKind::unsupported, "device 'cuda:" + std::to_string(index) + "': the machine has " + std::to_string(count) + " GPU(s)");
    check(cudaSetDevice(index), index, "cudaSetDevice");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, index), index, "cudaGetDeviceProperties");
    char text[512];
    std::snprintf(text, sizeof(text), "cuda:%d %s (%d SMs, %.1f GiB, sm_%d%d)", index, prop.name, prop.multiProcessorCount,
                  static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), prop.major, prop.minor);
    description_ = text;
    // What the driver and the context hold before partplan allocates anything: reported apart
    // from the model's memory, which is the allocator's.
    check(cudaFree(nullptr), index, "creating the context");
    size_t free_bytes = 0, total_bytes = 0;
    check(cudaMemGetInfo(&free_bytes, &total_bytes), index, "cudaMemGetInfo");
    std::snprintf(text, sizeof(text), "; context and other processes %.0f MiB)", static_cast<double>(total_bytes - free_bytes) / (1024.0 * 1024.0));
    description_ = description_.substr(0, description_.size() - 1) + text;
    for (cudaStream_t* stream : {&compute_, &to_device_, &to_host_})
      check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), index, "cudaStreamCreateWithFlags");
    for (cudaEvent_t* event : {&compute_ready_, &copied_}) check(cudaEventCreateWithFlags(event, cudaEventDisableTiming), index, "cudaEventCreate");
    allocator_ = std::make_shared<CachingAllocator>(std::make_unique<CudaBackend>(index));
    context_ = std::make_unique<CudaContext>(index, compute_, allocator_);
  }

  ~CudaDevice() override {
    cudaSetDevice(index_);
    cudaDeviceSynchronize();
    context_.reset();  // its handles are bound to the compute stream
    if (flush_buffer_ != nullptr) cudaFree(flush_buffer_);
    for (cudaEvent_t event : {compute_ready_, copied_}) cudaEventDestroy(event);
    for (cudaStream_t stream : {compute_, to_device_, to_host_}) cudaStreamDestroy(stream);
  }

  DeviceKind kind() const override { return DeviceKind::cuda; }
  const std::string& name() const override { return name_; }
  std::string description() const override { return description_; }
  bool supports(const ir::Graph& graph, const ir::Node& node) const override {
    const CudaKernelEntry* entry = registry_.find(node.op);
    if (entry == nullptr) return false;
    for (ir::TensorId t : node.inputs)
      if (t != ir::no_tensor && !graph.tensor(t).shape_known) return false;
    for (ir::TensorId t : node.outputs)
      if (t != ir::no_tensor && !graph.tensor(t).shape_known) return false;
    try {
      return entry->accepts(graph, node);
    } catch (const std::exception&) {  // a malformed node (a missing input): not ours to report here
      return false;
    }
  }

  std::unique_ptr<Kernel> create_kernel(const ir::Graph& graph, const ir::Node& node) override {
    const CudaKernelEntry* entry = registry_.find(node.op);
    if (entry == nullptr) throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "' (" + node.op_type + "): no CUDA kernel for this op");
    if (!supports(graph, node))
      throw ir::Error(ir::ErrorKind::unsupported, "node '" + node.name + "' (" + node.op_type + "): the CUDA kernel does not handle its dtypes or attributes");
    return entry->make(*context_);
  }

  std::unique_ptr<DeviceTimer> make_timer() override { return std::make_unique<CudaEventTimer>(index_, compute_); }

  // Writes a buffer of twice the L2 size (straight from the driver: not model memory).
  void flush_caches() override {
    check(cudaSetDevice(index_), index_, "cudaSetDevice");
    if (flush_buffer_ == nullptr) {
      int l2_bytes = 0;
      check(cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, index_), index_, "cudaDeviceGetAttribute");
      flush_bytes_ = 2 * static_cast<size_t>(std::max(l2_bytes, 1 << 20));
      check(cudaMalloc(&flush_buffer_, flush_bytes_), index_, "allocating the L2 flush buffer");
    }
    check(cudaMemsetAsync(flush_buffer_, ++flush_value_, flush_bytes_, compute_), index_, "flushing the L2 cache");
    check(cudaStreamSynchronize(compute_), index_, "flushing the L2 cache");
  }

  int64_t workspace_bytes() const override { return static_cast<int64_t>(context_->workspace_bytes()); }

  Tensor allocate(ir::DType dtype, const std::vector<int64_t>& shape, Layout layout) override {
    Tensor t;
    t.dtype = dtype;
    t.shape = shape;
    t.layout = layout;
    void* block = allocator_->allocate(static_cast<size_t>(t.size_bytes()), reinterpret_cast<StreamId>(compute_));
    // The allocator outlives the device while a tensor does: the deleter holds it.
    t.storage = std::shared_ptr<void>(block, [allocator = allocator_](void* p) { allocator->release(p); });
    t.data = block;
    return t;
  }

  MemoryStats memory() const override {
    const GpuMemoryStats s = allocator_->stats();
    return {s.live_bytes, s.peak_live_bytes, s.backend_allocations};
  }
  void reset_peak_memory() override { allocator_->reset_peak(); }

  bool host_accessible() const override { return false; }
  // Both directions order themselves after the compute stream's work (the destination block
  // may have been released by a kernel still queued there), and the compute stream's later
  // work after a copy to the device, so neither needs a full synchronisation.
  void copy_from_host(const void* src, Tensor& dst) override {
    const auto bytes = static_cast<size_t>(dst.size_bytes());
    if (bytes == 0) return;
    std::lock_guard<std::mutex> lock(copy_mutex_);
    check(cudaSetDevice(index_), index_, "cudaSetDevice");
    check(cudaEventRecord(compute_ready_, compute_), index_, "copy to the GPU");
    check(cudaStreamWaitEvent(to_device_, compute_ready_, 0), index_, "copy to the GPU");
    if (is_pinned(src)) {
      // Page-locked memory goes straight to the copy engine; `src` is free again once the DMA
      // has read it, so this waits for the copy, which itself waits for the compute stream's
      // queued work (the destination block may be in use there): with work queued this can
      // return later than a staged copy would.
      check(cudaMemcpyAsync(dst.data, src, bytes, cudaMemcpyHostToDevice, to_device_), index_, "copy to the GPU");
      check(cudaEventRecord(copied_, to_device_), index_, "copy to the GPU");
      check(cudaEventSynchronize(copied_), index_, "copy to the GPU");
    } else {
      staging_.to_device(src, dst.data, bytes, to_device_);
      check(cudaEventRecord(copied_, to_device_), index_, "copy to the GPU");
    }
    check(cudaStreamWaitEvent(compute_, copied_, 0), index_, "copy to the GPU");
  }
  void copy_to_host(const Tensor& src, void* dst) override {
    const auto bytes = static_cast<size_t>(src.size_bytes());
    if (bytes == 0) return;
    std::lock_guard<std::mutex> lock(copy_mutex_);
    check(cudaSetDevice(index_), index_, "cudaSetDevice");
    check(cudaEventRecord(compute_ready_, compute_), index_, "copy from the GPU");
    check(cudaStreamWaitEvent(to_host_, compute_ready_, 0), index_, "copy from the GPU");
    if (is_pinned(dst)) {
      check(cudaMemcpyAsync(dst, src.data, bytes, cudaMemcpyDeviceToHost, to_host_), index_, "copy from the GPU");
      check(cudaStreamSynchronize(to_host_), index_, "copy from the GPU");
    } else {
      staging_.to_host(src.data, dst, bytes, to_host_);
    }
  }

  std::shared_ptr<void> allocate_host(size_t bytes) override {
    check(cudaSetDevice(index_), index_, "cudaSetDevice");
    void* p = nullptr;
    check(cudaMallocHost(&p, std::max<size_t>(bytes, 1)), index_, "allocating page-locked host memory");
    return std::shared_ptr<void>(p, [](void* q) { cudaFreeHost(q); });
  }

  // Whether the driver knows `p` as page-locked host memory (cudaMallocHost, cudaHostRegister).
  static bool is_pinned(const void* p) {
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
      cudaGetLastError();
      return false;
    }
    return attributes.type == cudaMemoryTypeHost;
  }

  // Kernels enqueue on the compute stream from the calling thread; the call returns when they
  // are done, with any asynchronous error reported.
  void execute(const std::function<void()>& work) override {
    check(cudaSetDevice(index_), index_, "cudaSetDevice");
    work();
    check(cudaStreamSynchronize(compute_), index_, "running on the GPU");
  }

 private:
  int index_;
  std::string name_, description_;
  cudaStream_t compute_ = nullptr, to_device_ = nullptr, to_host_ = nullptr;
  std::shared_ptr<CachingAllocator> allocator_;
  std::unique_ptr<CudaContext> context_;
  std::mutex copy_mutex_;  // staging buffers and the two events are used by one copy at a time
  HostStaging staging_;
  cudaEvent_t compute_ready_ = nullptr, copied_ = nullptr;
  void* flush_buffer_ = nullptr;
  size_t flush_bytes_ = 0;
  unsigned char flush_value_ = 0;
  CudaKernelRegistry registry_ = make_cuda_kernel_registry();
};

}  // namespace

std::unique_ptr<Device> create_cuda_device(int index) { return std::make_unique<CudaDevice>(index); }

}  // namespace runtime::cuda
