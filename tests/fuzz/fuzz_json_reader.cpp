// libFuzzer targets for the JSON files partplan reads back, one binary per reader (the reader is
// chosen at compile time: PARTPLAN_FUZZ_READER 1 profile, 2 cost model, 3 plan). Any bytes must
// end in a value or an ir::Error (exit 3 for a user), never a crash, hang or sanitizer report;
// and what a reader accepts, its writer writes and the reader accepts again: a value that passed
// the checks never fails them after a round trip (an exception there escapes and is a finding).
#include <cstddef>
#include <cstdint>
#include <string>
#include <nlohmann/json.hpp>

#include "costmodel/costmodel_json.h"
#include "ir/error.h"
#include "planner/plan.h"
#include "profiler/profile.h"

namespace {

#if PARTPLAN_FUZZ_READER == 1
auto read(const nlohmann::json& doc, const char* path) { return profiler::profile_from_json(doc, path); }
nlohmann::json write(const profiler::Profile& p) { return profiler::to_json(p); }
#elif PARTPLAN_FUZZ_READER == 2
auto read(const nlohmann::json& doc, const char* path) { return costmodel::costmodel_from_json(doc, path); }
nlohmann::json write(const costmodel::CostModel& m) { return costmodel::to_json(m); }
#else
auto read(const nlohmann::json& doc, const char* path) { return planner::plan_from_json(doc, path); }
nlohmann::json write(const planner::Plan& p) { return planner::to_json(p); }
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;  // not JSON: cli::read_json_file's error, not the reader's
  try {
    const auto value = read(doc, "fuzz.json");
    (void)read(write(value), "round-trip.json");
  } catch (const ir::Error& e) {
    // A value the reader accepted must survive its own round trip.
    if (std::string(e.what()).starts_with("round-trip.json")) throw;
  }
  return 0;
}
