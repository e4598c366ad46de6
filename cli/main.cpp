// Parses the command line, dispatches to a subcommand, and is the one place that turns
// errors into a message on one line and an exit code (docs/cli.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.h"
#include "ir/error.h"
#include "ir/output_file.h"

int main(int argc, char** argv) {
  CLI::App app{"partplan: profile an ONNX model on CPU and GPU, plan its placement, and replay the plan"};
  app.name("partplan");
  bool version = false;
  app.add_flag("--version", version, "Print the version, the libraries found and the GPUs visible");
  std::vector<cli::Action> actions = {cli::add_inspect_command(app), cli::add_run_command(app), cli::add_profile_command(app), cli::add_fit_command(app), cli::add_plan_command(app),
                                      cli::add_report_command(app), cli::add_export_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "partplan: error: %s (see --help)\n", e.what());
    return static_cast<int>(ir::ErrorKind::usage);
  }
  ir::remove_temporaries_on_signals();
  try {
    if (version) return cli::print_version();
    for (const auto& action : actions) {
      const int code = action();
      if (code >= 0) return code;
    }
    std::fputs(app.help().c_str(), stderr);
    return static_cast<int>(ir::ErrorKind::usage);
  } catch (const ir::Error& e) {
    std::fprintf(stderr, "partplan: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "partplan: error: out of memory (a smaller batch, shape or load needs less)\n");
    return static_cast<int>(ir::ErrorKind::resources);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "partplan: internal error: %s\n", e.what());
    return static_cast<int>(ir::ErrorKind::internal);
  }
}
