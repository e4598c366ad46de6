// `partplan report FILE.json...`: any mix of profile, cost model, plan and run files about one
// model, shown as terminal tables (--table, the default when nothing else is asked for), an
// HTML report (--html), a Chrome/Perfetto trace of the predicted and measured schedules (--trace) and the plan's DAG in
// DOT (--dot). docs/cli.md.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/flag_ranges.h"
#include "cli/json_file.h"
#include "ir/output_file.h"
#include "ir/error.h"
#include "report/chrome_trace.h"
#include "report/html_report.h"
#include "report/plan_dot.h"
#include "report/report_inputs.h"
#include "report/terminal_report.h"
#include "report/text_table.h"

namespace cli {

namespace {

struct ReportCommandOptions {
  std::vector<std::string> files;
  std::string html, trace, dot, colour = "auto";
  bool table = false, quiet = false;
  int top = 10;
};

int report_files(const ReportCommandOptions& options) {
  if (options.top < 1) throw ir::Error(ir::ErrorKind::usage, "--top must be at least 1");
  if (options.colour != "auto" && options.colour != "always" && options.colour != "never")
    throw ir::Error(ir::ErrorKind::usage, "--color '" + options.colour + "': auto, always or never");
  ir::OutputGuard files;
  for (const std::string& path : options.files) files.input(path, "a file given");
  if (!options.html.empty()) files.output(options.html, "--html");
  if (!options.trace.empty()) files.output(options.trace, "--trace");
  if (!options.dot.empty()) files.output(options.dot, "--dot");
  report::ReportInputs inputs;
  for (const std::string& path : options.files) report::add_report_input(inputs, read_json_file(path, "report"), path);

  // Everything is made before anything is written: a bad request leaves no file behind.
  std::string html_text, trace_text, dot_text;
  if (!options.html.empty()) html_text = report::html_report(inputs, PARTPLAN_VERSION);
  // Names and paths that are not UTF-8 are replaced, not an error.
  if (!options.trace.empty()) trace_text = report::chrome_trace(inputs).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (!options.dot.empty()) {
    if (inputs.plans.empty()) throw ir::Error(ir::ErrorKind::usage, "--dot draws a plan: give a partplan.plan/1 file");
    dot_text = report::plan_dot(inputs.plans.front().value, inputs.plans.front().path);
  }
  if (!options.html.empty()) ir::write_output_file(options.html, html_text);
  if (!options.trace.empty()) ir::write_output_file(options.trace, trace_text);
  if (!options.dot.empty()) ir::write_output_file(options.dot, dot_text);

  const bool tables = options.table || (options.html.empty() && options.trace.empty() && options.dot.empty());
  if (tables && !options.quiet) {
    const bool colour = options.colour == "always" || (options.colour == "auto" && report::colour_wanted());
    fmt::print("{}", report::terminal_report(inputs, {colour, options.top}));
  }
  if (!options.quiet) {
    if (!options.html.empty()) fmt::print("wrote {} (self-contained: open it in a browser)\n", options.html);
    if (!options.trace.empty()) fmt::print("wrote {} (open it in https://ui.perfetto.dev or chrome://tracing)\n", options.trace);
    if (!options.dot.empty()) fmt::print("wrote {} (dot -Tsvg {} -o plan.svg)\n", options.dot, options.dot);
  }
  return 0;
}

}  // namespace

Action add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportCommandOptions>();
  CLI::App* command = app.add_subcommand("report", "Show profile, cost model, plan and run files of one model: tables, a trace, the plan's DAG");
  command->add_option("files", options->files, "partplan.profile/1, partplan.costmodel/1, partplan.plan/1 or partplan.run/1 files")->required();
  command->add_option("--html", options->html, "Write a self-contained HTML report: cards, time per op kind, timelines, predicted vs measured, memory, the DAG");
  command->add_option("--trace", options->trace, "Write a Chrome trace (Perfetto, chrome://tracing): plans' predicted schedules beside replays' measured requests");
  command->add_option("--dot", options->dot, "Write the (first) plan's DAG in Graphviz DOT, nodes coloured by device");
  command->add_flag("--table", options->table, "Print the tables as well when writing --html, --trace or --dot");
  command->add_option("--top", options->top, "Rows of the slowest and furthest-off node tables (default 10)")->check(integer_in(1, 100'000));
  command->add_option("--color", options->colour, "auto (on a terminal, unless NO_COLOR is set), always or never");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  return [command, options]() -> int {
    if (!command->parsed()) return -1;
    return report_files(*options);
  };
}

}  // namespace cli
