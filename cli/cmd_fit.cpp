// `partplan fit PROFILE...`: cost models per (op kind, device) from profiles, their
// cross-validated error, held-out batch sizes and other models' profiles as checks, device
// specs for GPUs that are not present; writes partplan.costmodel/1 (docs/formats.md).
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/flag_ranges.h"
#include "cli/json_file.h"
#include "costmodel/costmodel_json.h"
#include "costmodel/hardware_spec.h"
#include "costmodel/validation.h"
#include "ir/output_file.h"
#include "ir/error.h"
#include "report/fit_report.h"

namespace cli {

namespace {

struct FitCommandOptions {
  std::vector<std::string> profiles, tests, device_specs;
  std::vector<int64_t> holdout_batches;
  std::string output, report;
  int folds = 5;
  bool quiet = false;
};

// x.profile.json -> x.costmodel.json beside it (else the stem plus .costmodel.json).
std::string default_output(const std::string& profile) {
  const std::string suffix = ".profile.json";
  if (profile.size() > suffix.size() && profile.ends_with(suffix)) return profile.substr(0, profile.size() - suffix.size()) + ".costmodel.json";
  return output_beside(profile, ".costmodel.json");
}

profiler::Profile read_profile(const std::string& path, const std::string& flag) {
  return profiler::profile_from_json(read_json_file(path, flag), path);
}

// --device-spec [NAME=]FILE -> (NAME, FILE); NAME empty when not given.
std::pair<std::string, std::string> split_device_spec(const std::string& flag_value) {
  const auto eq = flag_value.find('=');
  if (eq == std::string::npos) return {"", flag_value};
  if (eq == 0) throw ir::Error(ir::ErrorKind::usage, "--device-spec '" + flag_value + "': the device name before '=' is empty");
  return {flag_value.substr(0, eq), flag_value.substr(eq + 1)};
}

// --device-spec [NAME=]FILE: the device takes NAME, else the first cudaN the model lacks.
void add_device_spec(costmodel::CostModel& model, const std::string& flag_value) {
  auto [name, path] = split_device_spec(flag_value);
  if (name.empty()) {
    for (int i = 0; name.empty(); ++i)
      if (model.device("cuda" + std::to_string(i)) == nullptr) name = "cuda" + std::to_string(i);
  }
  if (model.device(name) != nullptr)
    throw ir::Error(ir::ErrorKind::usage, "--device-spec '" + flag_value + "': device " + name + " was measured; give the spec another name (NAME=FILE)");
  costmodel::SpecDevice spec = costmodel::load_device_spec(path, name);
  model.devices.push_back(std::move(spec.device));
  model.links.insert(model.links.end(), spec.links.begin(), spec.links.end());
}

int fit(const FitCommandOptions& options) {
  if (options.folds < 2) throw ir::Error(ir::ErrorKind::usage, "--folds must be at least 2");
  for (int64_t b : options.holdout_batches)
    if (b < 1) throw ir::Error(ir::ErrorKind::usage, "--holdout-batch: batch sizes are positive");
  if (!options.report.empty() && !options.report.ends_with(".html") && !options.report.ends_with(".svg"))
    throw ir::Error(ir::ErrorKind::usage, "--report '" + options.report + "': give a .html or .svg file");
  const std::string output = options.output.empty() ? default_output(options.profiles.front()) : options.output;
  ir::OutputGuard files;
  for (const std::string& path : options.profiles) files.input(path, "a profile given");
  for (const std::string& path : options.tests) files.input(path, "--test");
  for (const std::string& spec : options.device_specs) files.input(split_device_spec(spec).second, "--device-spec");
  files.output(output, "--output");
  if (!options.report.empty()) files.output(options.report, "--report");
  std::vector<profiler::Profile> profiles;
  for (const std::string& path : options.profiles) profiles.push_back(read_profile(path, "profile"));
  std::vector<std::pair<profiler::Profile, std::string>> tests;
  for (const std::string& path : options.tests) tests.push_back({read_profile(path, "--test"), path});
  const costmodel::FitOptions fit_options{options.folds, 1};

  costmodel::CostModel model = costmodel::fit_cost_model(profiles, options.profiles, fit_options);
  if (!options.holdout_batches.empty()) {
    model.validation.holdout_batches = options.holdout_batches;
    model.validation.holdout = costmodel::holdout_checks(profiles, options.profiles, options.holdout_batches, fit_options);
  }
  for (const auto& [profile, path] : tests) {
    auto checks = costmodel::test_checks(model, profile, path);
    model.validation.test.insert(model.validation.test.end(), checks.begin(), checks.end());
  }
  for (const std::string& spec : options.device_specs) add_device_spec(model, spec);

  ir::write_output_file(output, costmodel::to_json(model).dump(1) + "\n");
  if (!options.report.empty()) {
    const auto cross_validated = costmodel::cross_validated_points(profiles, model, fit_options);
    ir::write_output_file(options.report, options.report.ends_with(".svg") ? report::fit_report_svg(model, cross_validated)
                                                                             : report::fit_report_html(model, cross_validated));
  }
  if (!options.quiet) {
    for (size_t i = 0; i < profiles.size(); ++i)
      if (!profiles[i].complete) fmt::print("note     {} is an interrupted profile: fitted on what it holds\n", options.profiles[i]);
    fmt::print("{}", report::fit_summary_text(model));
    fmt::print("costmodel {}\n", output);
    if (!options.report.empty()) fmt::print("report    {}\n", options.report);
  }
  return 0;
}

}  // namespace

Action add_fit_command(CLI::App& app) {
  auto options = std::make_shared<FitCommandOptions>();
  CLI::App* command = app.add_subcommand("fit", "Fit cost models (per op kind and device) to profiles, with their error");
  command->add_option("profiles", options->profiles, "partplan.profile/1 files (several: one model per device over all of them)")->required();
  command->add_option("-o,--output", options->output, "Cost-model file (default FIRST_PROFILE.costmodel.json beside it)");
  command->add_option("--holdout-batch", options->holdout_batches, "Batch sizes to leave out of a fit and predict, as a check (e.g. 8,16)")->delimiter(',');
  command->add_option("--test", options->tests, "Profiles of other models to predict, as a check (repeatable)");
  command->add_option("--device-spec", options->device_specs, "[NAME=]FILE: a GPU that is not present, from its spec (estimated; repeatable)");
  command->add_option("--report", options->report, "Write predicted vs measured per node: FILE.html (plots and tables) or FILE.svg (the plot)");
  command->add_option("--folds", options->folds, "Cross-validation folds (default 5)")->check(integer_in(2, 100));
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    return fit(*options);
  };
}

}  // namespace cli
