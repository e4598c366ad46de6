#pragma once
// Device specs (`partplan.device-spec/1`, costmodel/specs/*.json): a GPU's datasheet figures,
// for planning on a device that is not present. A device made from one predicts by roofline
// alone, at the spec's assumed share of peak, and every prediction says `estimated`.
#include <string>
#include <vector>

#include "costmodel/cost_model.h"

namespace costmodel {

inline constexpr const char* device_spec_schema = "partplan.device-spec/1";

struct SpecDevice {
  DeviceModel device;
  std::vector<profiler::LinkProfile> links;  // host <-> device, from the spec's host link
};

// Reads a spec file as device `name`. Throws ir::Error(file) naming the file and the field.
SpecDevice load_device_spec(const std::string& path, const std::string& name);

}  // namespace costmodel
