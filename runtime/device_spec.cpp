#include "runtime/device_spec.h"

#include <algorithm>

#include "runtime/cuda/cuda_device.h"

#include <sched.h>

#include <charconv>

#include "ir/error.h"
#include "runtime/cpu/cpu_device.h"

namespace runtime {

namespace {

int parse_int(const std::string& text, const std::string& flag, const std::string& whole) {
  int value = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0)
    throw ir::Error(ir::ErrorKind::usage, flag + ": '" + whole + "': '" + text + "' is not a non-negative integer");
  return value;
}

}  // namespace

std::vector<DeviceSpec> parse_device_list(const std::string& text, const std::string& flag) {
  std::vector<DeviceSpec> specs;
  size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    DeviceSpec spec;
    spec.text = item;
    const auto colon = item.find(':');
    const std::string kind = item.substr(0, colon);
    const std::string options = colon == std::string::npos ? "" : item.substr(colon + 1);
    if (kind == "cpu") {
      spec.kind = DeviceKind::cpu;
      if (!options.empty()) {
        if (options.rfind("threads=", 0) != 0) throw ir::Error(ir::ErrorKind::usage, flag + ": '" + item + "': cpu takes threads=N");
        spec.threads = parse_int(options.substr(8), flag, item);
        if (spec.threads < 1) throw ir::Error(ir::ErrorKind::usage, flag + ": '" + item + "': threads must be at least 1");
      }
    } else if (kind == "cuda") {
      spec.kind = DeviceKind::cuda;
      if (!options.empty()) spec.index = parse_int(options, flag, item);
    } else {
      throw ir::Error(ir::ErrorKind::usage, flag + ": '" + item + "' is not a device (use cpu, cpu:threads=N, cuda or cuda:N)");
    }
    specs.push_back(spec);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return specs;
}

int available_cores() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return 1;
  return std::max(1, CPU_COUNT(&allowed));
}

void check_threads(const std::vector<DeviceSpec>& specs, const std::string& flag, bool allow_oversubscribe) {
  if (allow_oversubscribe) return;
  const int cores = available_cores();
  for (const DeviceSpec& s : specs)
    if (s.kind == DeviceKind::cpu && s.threads > cores)
      throw ir::Error(ir::ErrorKind::usage, flag + ": '" + s.text + "': " + std::to_string(s.threads) + " threads on " + std::to_string(cores) +
                                                " available cores (more only slow it down; --allow-oversubscribe to insist)");
}

namespace {

std::vector<int> allowed_cores() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cores;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cores.push_back(c);
  return cores;
}

}  // namespace

std::vector<int> cores_in_description(const std::string& description) {
  std::vector<int> cores;
  const std::string marker = "(cores ";
  const size_t at = description.find(marker);
  if (at == std::string::npos) return cores;
  size_t i = at + marker.size();
  while (i < description.size() && description[i] != ')') {
    size_t used = 0;
    try {
      cores.push_back(std::stoi(description.substr(i), &used));
    } catch (const std::exception&) {
      return {};
    }
    i += used;
    if (i < description.size() && description[i] == ',') ++i;
  }
  return cores;
}

std::unique_ptr<Device> create_cpu_device_as_described(const std::string& name, const std::string& description, bool caller_spins) {
  const std::vector<int> cores = cores_in_description(description);
  const std::vector<int> allowed = allowed_cores();
  if (cores.empty() || !std::all_of(cores.begin(), cores.end(), [&](int c) { return std::find(allowed.begin(), allowed.end(), c) != allowed.end(); }))
    return nullptr;
  return std::make_unique<cpu::CpuDevice>(name, static_cast<int>(cores.size()), cores, caller_spins);
}

std::unique_ptr<Device> create_pooled_cpu_device(const std::vector<DeviceSpec>& specs) {
  const std::vector<int> cores = allowed_cores();
  int cpu_devices = 0, threads = 0, wanted = 0;
  for (const DeviceSpec& s : specs) {
    if (s.kind != DeviceKind::cpu) continue;
    ++cpu_devices;
    threads += s.threads;
  }
  // "cpu0-1": the CPU devices 0 to 1 as one (a name that can also name a file or a Triton model).
  const std::string name = "cpu0-" + std::to_string(cpu_devices - 1);
  for (const DeviceSpec& s : specs) wanted += s.kind == DeviceKind::cpu ? s.threads : 0;
  if (cpu_devices < 2 || wanted > static_cast<int>(cores.size())) return nullptr;
  // The same cores create_devices gives the CPU devices of `specs`, in one group.
  std::vector<int> mine(cores.begin(), cores.begin() + threads);
  return std::make_unique<cpu::CpuDevice>(name, threads, std::move(mine), threads < static_cast<int>(cores.size()));
}

std::vector<std::unique_ptr<Device>> create_devices(const std::vector<DeviceSpec>& specs) {
  const std::vector<int> cores = allowed_cores();
  int wanted = 0;
  for (const DeviceSpec& s : specs) wanted += s.kind == DeviceKind::cpu ? s.threads : 0;
  // Pin only when every CPU device can have cores of its own; otherwise let the OS share.
  const bool pin = wanted <= static_cast<int>(cores.size());
  std::vector<std::unique_ptr<Device>> devices;
  size_t next_core = 0;
  int cpu_index = 0;
  for (const DeviceSpec& s : specs) {
    if (s.kind == DeviceKind::cuda) {
      devices.push_back(cuda::create_cuda_device(s.index));
      continue;
    }
    std::vector<int> mine;
    if (pin)
      for (int i = 0; i < s.threads; ++i) mine.push_back(cores[next_core++]);
    // The caller (the executor's thread) spins waiting for a device only if a core is left.
    devices.push_back(std::make_unique<cpu::CpuDevice>("cpu" + std::to_string(cpu_index++), s.threads, std::move(mine), wanted < static_cast<int>(cores.size())));
  }
  return devices;
}

}  // namespace runtime
