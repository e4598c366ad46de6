#pragma once
// One function per subcommand: each adds its options to the CLI11 app and returns the
// action to run after parsing. The action returns the process exit code.
#include <CLI/CLI.hpp>
#include <functional>

namespace cli {

using Action = std::function<int()>;

Action add_inspect_command(CLI::App& app);
Action add_run_command(CLI::App& app);
Action add_profile_command(CLI::App& app);
Action add_fit_command(CLI::App& app);
Action add_plan_command(CLI::App& app);
Action add_report_command(CLI::App& app);
Action add_export_command(CLI::App& app);
// Prints version, libraries and GPUs found.
int print_version();

}  // namespace cli
