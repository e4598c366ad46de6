#include <fmt/format.h>

#include "cli/commands.h"
#include "runtime/library_versions.h"

namespace cli {

int print_version() {
  fmt::print("partplan {}\n", PARTPLAN_VERSION);
  for (const auto& [library, version] : runtime::library_versions()) fmt::print("  {:<14} {}\n", library, version);
  for (const std::string& gpu : runtime::gpu_descriptions()) fmt::print("  {:<14} {}\n", "GPU", gpu);
  return 0;
}

}  // namespace cli
