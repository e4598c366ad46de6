// GpuTrace on CUPTI's activity API. CUPTI hands records over in buffers through two global
// callbacks, so the state they fill is one process-wide object; one trace at a time.
//
// How a kernel finds its node: while a region is open, the issuing thread has an external
// correlation id pushed; every CUDA runtime or driver call it makes then gets an
// EXTERNAL_CORRELATION record (external id -> the call's correlation id), and the kernels,
// copies and memsets that call started carry that correlation id. The RUNTIME and DRIVER
// kinds are enabled only for that: without API records CUPTI writes no correlation records.
#include <cupti.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "ir/error.h"
#include "profiler/gpu_trace.h"

namespace profiler {

namespace {

constexpr size_t buffer_bytes = size_t{4} << 20;
constexpr size_t buffer_alignment = 8;  // what CUPTI requires of activity buffers
constexpr CUpti_ExternalCorrelationKind correlation_kind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0;

const CUpti_ActivityKind traced_kinds[] = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
                                           CUPTI_ACTIVITY_KIND_MEMSET,           CUPTI_ACTIVITY_KIND_RUNTIME,
                                           CUPTI_ACTIVITY_KIND_DRIVER,           CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION};

std::string cupti_error(CUptiResult result) {
  const char* text = nullptr;
  cuptiGetResultString(result, &text);
  return text != nullptr ? text : "CUPTI error " + std::to_string(static_cast<int>(result));
}

const char* copy_name(uint8_t copy_kind) {
  switch (copy_kind) {
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD: return "[memcpy HtoD]";
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH: return "[memcpy DtoH]";
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD: return "[memcpy DtoD]";
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH: return "[memcpy HtoH]";
    default: return "[memcpy]";
  }
}

// One device activity waiting for its external id.
struct Activity {
  uint32_t correlation = 0;
  std::string name;
  double us = 0;
  bool is_copy = false;
};

// What the buffer callbacks fill, guarded by `mutex` (CUPTI may call them from its own thread).
struct Records {
  std::mutex mutex;
  std::vector<Activity> activities;
  std::unordered_map<uint32_t, uint64_t> external_of;  // correlation id -> external id
  std::vector<uint8_t*> free_buffers;
  int64_t dropped = 0;
  bool active = false;
};

// Deliberately never destroyed: CUPTI may hand a buffer back (or ask for one, from its own
// thread) during the CUDA teardown at exit, after function-local statics are gone.
Records& records() {
  static Records& r = *new Records;
  return r;
}

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  Records& r = records();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (!r.free_buffers.empty()) {
      *buffer = r.free_buffers.back();
      r.free_buffers.pop_back();
    } else {
      *buffer = static_cast<uint8_t*>(std::aligned_alloc(buffer_alignment, buffer_bytes));
    }
  }
  *size = *buffer != nullptr ? buffer_bytes : 0;  // no buffer: CUPTI drops records, counted
  *max_records = 0;
}

// A record without timestamps (CUPTI lacked device memory for them) counts no time; the
// caller counts it as lost.
bool timed(uint64_t start, uint64_t end) { return start != 0 && end >= start; }
double duration_us(uint64_t start, uint64_t end) { return timed(start, end) ? static_cast<double>(end - start) / 1000.0 : 0.0; }

void CUPTIAPI buffer_completed(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid_bytes) {
  // Read before taking our lock: CUPTI may take its own locks, and buffer_requested (called
  // from inside CUPTI) takes ours.
  size_t dropped = 0;
  if (cuptiActivityGetNumDroppedRecords(nullptr, 0, &dropped) != CUPTI_SUCCESS) dropped = 0;
  Records& r = records();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.dropped += static_cast<int64_t>(dropped);
  CUpti_Activity* record = nullptr;
  CUptiResult status = CUPTI_SUCCESS;
  while ((status = cuptiActivityGetNextRecord(buffer, valid_bytes, &record)) == CUPTI_SUCCESS) {
    switch (record->kind) {
      case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
        const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
        if (!timed(k->start, k->end)) ++r.dropped;
        r.activities.push_back({k->correlationId, k->name != nullptr ? k->name : "[kernel]", duration_us(k->start, k->end), false});
        break;
      }
      case CUPTI_ACTIVITY_KIND_MEMCPY: {
        const auto* m = reinterpret_cast<const CUpti_ActivityMemcpy6*>(record);
        if (!timed(m->start, m->end)) ++r.dropped;
        r.activities.push_back({m->correlationId, copy_name(m->copyKind), duration_us(m->start, m->end), true});
        break;
      }
      case CUPTI_ACTIVITY_KIND_MEMSET: {
        const auto* m = reinterpret_cast<const CUpti_ActivityMemset4*>(record);
        if (!timed(m->start, m->end)) ++r.dropped;
        r.activities.push_back({m->correlationId, "[memset]", duration_us(m->start, m->end), true});
        break;
      }
      case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION: {
        const auto* c = reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(record);
        if (c->externalKind == correlation_kind) r.external_of[c->correlationId] = c->externalId;
        break;
      }
      default: break;  // API records: only there to make CUPTI write the correlation records
    }
  }
  // An incomplete record ends what can be read of the buffer: it and the rest are lost.
  if (status != CUPTI_ERROR_MAX_LIMIT_REACHED) ++r.dropped;
  r.free_buffers.push_back(buffer);
}

// A CUPTI call that fails leaves the trace without records, which would read as a node that
// launched nothing: it is an error for the node being measured instead.
void check(CUptiResult result, const char* what) {
  if (result != CUPTI_SUCCESS) throw ir::Error(ir::ErrorKind::unsupported, std::string("CUPTI failed ") + what + ": " + cupti_error(result));
}

class CuptiTrace final : public GpuTrace {
 public:
  ~CuptiTrace() override {
    for (CUpti_ActivityKind kind : traced_kinds) cuptiActivityDisable(kind);
    cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    Records& r = records();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.activities.clear();
    r.external_of.clear();
    r.active = false;
    // The buffers stay allocated: CUPTI may still hold one until the process ends.
  }

  void begin(uint64_t id) override { check(cuptiActivityPushExternalCorrelationId(correlation_kind, id), "pushing a correlation id"); }
  void end() override { check(cuptiActivityPopExternalCorrelationId(correlation_kind, nullptr), "popping a correlation id"); }

  std::vector<TracedActivity> collect(const std::vector<uint64_t>& ids) override {
    // Forced: the caller synchronised, so every record is final; a default flush could keep
    // back a buffer that is not yet full.
    check(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED), "flushing activity records");
    std::unordered_map<uint64_t, size_t> slot_of;
    for (size_t k = 0; k < ids.size(); ++k) slot_of.emplace(ids[k], k);
    std::vector<TracedActivity> result(ids.size());
    Records& r = records();
    std::lock_guard<std::mutex> lock(r.mutex);
    // Activities of other regions (never collected) and of work issued outside any region
    // (uploads, algorithm searches) have no use once flushed: they go.
    for (const Activity& a : r.activities) {
      auto external = r.external_of.find(a.correlation);
      if (external == r.external_of.end()) continue;
      auto slot = slot_of.find(external->second);
      if (slot == slot_of.end()) continue;
      TracedActivity& region = result[slot->second];
      (a.is_copy ? region.copy_us : region.kernel_us) += a.us;
      TracedActivity::Entry& entry = region.by_name[a.name];
      ++entry.calls;
      entry.total_us += a.us;
    }
    r.activities.clear();
    r.external_of.clear();
    return result;
  }

  void discard() override {
    cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    Records& r = records();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.activities.clear();
    r.external_of.clear();
  }

  void set_enabled(bool enabled) override {
    for (CUpti_ActivityKind kind : traced_kinds) check(enabled ? cuptiActivityEnable(kind) : cuptiActivityDisable(kind), "switching tracing");
  }

  int64_t dropped_records() override {
    Records& r = records();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.dropped;
  }
};

}  // namespace

std::unique_ptr<GpuTrace> start_gpu_trace(std::string& why_not) {
  Records& r = records();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.active) {
      why_not = "a CUPTI trace is already running in this process";
      return nullptr;
    }
  }
  CUptiResult result = cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed);
  if (result != CUPTI_SUCCESS) {
    why_not = "CUPTI did not initialise: " + cupti_error(result);
    return nullptr;
  }
  for (CUpti_ActivityKind kind : traced_kinds) {
    result = cuptiActivityEnable(kind);
    if (result != CUPTI_SUCCESS) {
      for (CUpti_ActivityKind k : traced_kinds) cuptiActivityDisable(k);
      why_not = "CUPTI activity tracing unavailable: " + cupti_error(result);
      return nullptr;
    }
  }
  std::lock_guard<std::mutex> lock(r.mutex);
  r.active = true;
  r.dropped = 0;
  return std::make_unique<CuptiTrace>();
}

}  // namespace profiler
