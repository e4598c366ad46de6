#pragma once
// Parsing device lists as the user writes them: "cpu", "cpu:threads=2",
// "cpu:threads=1,cpu:threads=1", "cuda", "cuda:0".
#include <string>
#include <vector>

#include "runtime/device.h"

namespace runtime {

struct DeviceSpec {
  DeviceKind kind = DeviceKind::cpu;
  int threads = 1;  // cpu only
  int index = 0;    // cuda only
  std::string text;  // as written, for messages
};

// Throws ir::Error(usage) naming `flag` for anything malformed.
std::vector<DeviceSpec> parse_device_list(const std::string& text, const std::string& flag);

// The cores this process may run on (its affinity mask).
int available_cores();
// A CPU device with more threads than available_cores() only slows itself down (its threads
// take turns on the cores): refused, naming `flag`, unless `allow_oversubscribe`.
void check_threads(const std::vector<DeviceSpec>& specs, const std::string& flag, bool allow_oversubscribe);

// Creates the devices; CPU devices get consecutive, disjoint cores where there are enough.
std::vector<std::unique_ptr<Device>> create_devices(const std::vector<DeviceSpec>& specs);

// The cores a CPU device's description names ("cpu:threads=2 (cores 0,1)" -> {0, 1}); empty
// when it names none (not pinned, a GPU) or is not one partplan writes.
std::vector<int> cores_in_description(const std::string& description);

// A CPU device on the cores a description names (as a plan or profile recorded it), when this
// process may run on all of them; else null. `caller_spins` as CpuDevice takes it: only when
// the devices that will run at once leave a core free.
std::unique_ptr<Device> create_cpu_device_as_described(const std::string& name, const std::string& description, bool caller_spins);

// One CPU device with all the threads of the CPU devices of `specs`, pinned to the cores
// create_devices gives them, named after them ("cpu0-1"): the other way to use those cores.
// Null with fewer than two CPU devices, or when they could not all have cores of their own.
std::unique_ptr<Device> create_pooled_cpu_device(const std::vector<DeviceSpec>& specs);

}  // namespace runtime
