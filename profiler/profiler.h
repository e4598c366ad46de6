#pragma once
// `partplan profile`'s measurements (DESIGN.md §4): every node alone on every device with its
// real input shapes (inputs on the device beforehand, weights prepared once, fusion off so
// each node has its own time), the whole model on each device beside the sum of its nodes,
// and the links between devices. Several batch sizes in one call. Interruptible between
// nodes, and resumable from a partial profile.
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/shape_inference.h"
#include "profiler/profile.h"
#include "runtime/device.h"
#include "runtime/device_spec.h"

namespace profiler {

struct Progress {
  int done = 0, total = 0;  // node measurements (node x device x batch)
  std::string device, node;
  double eta_s = 0;
};

struct ProfileRequest {
  ir::ShapeBindings bindings;          // --shape, and --batch when one batch is asked for
  std::vector<int64_t> batches;        // --batch N[,N...]; empty: the bindings alone
  MeasureOptions measure;
  bool cold = false;                   // flush caches between repetitions
  bool links = true;                   // measure the links between the devices
  bool cupti = true;                   // trace GPUs with CUPTI (else CUDA events)
  const Profile* resume = nullptr;     // measurements to keep instead of repeating them
  std::function<void(const Progress&)> on_progress;
  // After each device of each batch: the profile so far (complete = false), for the caller to
  // save, so a crash or a kill loses at most one device's nodes.
  std::function<void(const Profile&)> on_checkpoint;
  // Checked between measurements; when set, the profile returns early with complete = false.
  const std::atomic<bool>* stop = nullptr;
};

// This machine as a profile records it: CPU model, logical cores, libraries.
nlohmann::json machine_info();
// "CPU model, N logical cores": what tells two machines apart in a cost model or plan.
std::string machine_summary(const nlohmann::json& machine);

// `model` is the loaded graph, shapes unresolved (each batch resolves its own copy; weights
// are shared, not copied). `devices` are created by the caller from `specs` (same order).
Profile run_profile(const ir::Graph& model, const std::string& model_path, const std::string& model_sha256,
                    const std::vector<runtime::DeviceSpec>& specs, const std::vector<runtime::Device*>& devices, const ProfileRequest& request);

}  // namespace profiler
