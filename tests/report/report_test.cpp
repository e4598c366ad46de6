// partplan report's pieces: aligned tables, the inputs' model check, the trace and the DOT.
#include <doctest/doctest.h>

#include <set>

#include "ir/error.h"
#include "planner/plan.h"
#include "report/chrome_trace.h"
#include "report/plan_dot.h"
#include "report/report_inputs.h"
#include "report/text_table.h"

namespace {

planner::Plan two_device_plan(const std::string& sha) {
  planner::Plan p;
  p.model_path = "m.onnx";
  p.model_sha256 = sha;
  p.devices = {{"cpu0", "cpu:threads=1", false, "here", true}, {"cuda0", "cuda:0 H100", false, "here", true}};
  p.nodes.push_back({"conv", "Conv", "cuda0", 0, 10, 30, "measured", false, {"x"}, {"y"}, {{1, 3, 8, 8}, {4, 3, 3, 3}}, {{1, 4, 8, 8}}});
  p.nodes.push_back({"relu", "Relu", "cpu0", 0, 40, 45, "op", false, {"y"}, {"z"}, {{1, 4, 8, 8}}, {{1, 4, 8, 8}}});
  p.copies.push_back({"x", "host", "cuda0", 768, 0, 10});
  p.copies.push_back({"y", "cuda0", "cpu0", 1024, 30, 40});
  p.predicted.latency_us = 45;
  return p;
}

nlohmann::json run_doc(const std::string& sha) {
  nlohmann::json latency = {{"mean", 1.0}, {"min", 0.9}, {"p50", 1.0}, {"p90", 1.1}, {"p99", 1.2}, {"max", 1.3}};
  return {{"schema", "partplan.run/1"},
          {"mode", "plan"},
          {"model", {{"path", "m.onnx"}, {"sha256", sha}}},
          {"plan", {{"path", "m.plan.json"}}},
          {"load", {{"loop", "closed"}, {"requests", 10}, {"concurrency", 1}}},
          {"latency_ms", latency},
          {"throughput_per_s", 1000.0},
          {"predicted", {{"latency_ms", 0.045}, {"throughput_per_s", 22222.0}, {"node_median_error", 0.1}}},
          {"devices", {{{"name", "cpu0"}, {"description", "cpu:threads=1"}, {"busy_share", 0.1}, {"busy_us_per_request", 6.0}, {"predicted_busy_us", 5.0}, {"peak_memory_bytes", 1024}}}},
          {"baselines", nlohmann::json::array()},
          {"nodes", {{{"name", "relu"}, {"op_type", "Relu"}, {"device", "cpu0"}, {"mean_us", 6.0}, {"median_us", 5.5}, {"predicted_us", 5.0}}}},
          {"timeline",
           {{"latency_ms", 1.0},
            {"nodes", {{{"name", "relu"}, {"device", "cpu0"}, {"start_us", 100.0}, {"end_us", 105.5}}}},
            {"copies", {{{"tensor", "y"}, {"from", "cuda0"}, {"to", "cpu0"}, {"bytes", 1024}, {"start_us", 90.0}, {"end_us", 99.0}}}}}},
          {"outputs_check", {{"ok", true}}}};
}

}  // namespace

TEST_CASE("report: a text table aligns on display width, numbers right, colour after padding") {
  report::TextTable t({"name", "us"}, {false, true});
  t.add({{"conv"}, {"12.5", report::Tint::bad}});
  t.add({{"a µs node"}, {"3.0"}});
  CHECK(t.render(false, "") == "name         us\nconv       12.5\na µs node   3.0\n");
  const std::string coloured = t.render(true, "");
  CHECK(coloured.find("\033[31m12.5\033[0m") != std::string::npos);
  CHECK(coloured.find("\033[1mname\033[0m") != std::string::npos);
}

TEST_CASE("report: files about another model are refused, naming both; unknown files too") {
  report::ReportInputs inputs;
  report::add_report_input(inputs, planner::to_json(two_device_plan(std::string(64, 'a'))), "a.plan.json");
  report::add_report_input(inputs, run_doc(std::string(64, 'a')), "a.run.json");
  CHECK(inputs.plans.size() == 1);
  CHECK(inputs.runs.size() == 1);
  CHECK(inputs.runs[0].value.timeline.size() == 1);
  CHECK(inputs.runs[0].value.timeline_copies.size() == 1);
  try {
    report::add_report_input(inputs, run_doc(std::string(64, 'b')), "b.run.json");
    FAIL("expected an error");
  } catch (const ir::Error& e) {
    CHECK(e.kind() == ir::ErrorKind::usage);
    CHECK(std::string(e.what()).find("b.run.json") != std::string::npos);
    CHECK(std::string(e.what()).find("aaaaaaaaaaaa") != std::string::npos);
  }
  CHECK_THROWS_AS(report::add_report_input(inputs, nlohmann::json{{"schema", "other/1"}}, "x.json"), ir::Error);
  nlohmann::json broken = run_doc(std::string(64, 'a'));
  broken.erase("latency_ms");
  try {
    report::add_report_input(inputs, broken, "broken.run.json");
    FAIL("expected an error");
  } catch (const ir::Error& e) {
    CHECK(e.kind() == ir::ErrorKind::file);
    CHECK(std::string(e.what()).find("broken.run.json") != std::string::npos);
  }
}

TEST_CASE("report: the trace has a process per plan and per replay, a track per device and copy direction") {
  report::ReportInputs inputs;
  report::add_report_input(inputs, planner::to_json(two_device_plan(std::string(64, 'a'))), "a.plan.json");
  report::add_report_input(inputs, run_doc(std::string(64, 'a')), "a.run.json");
  const nlohmann::json trace = report::chrome_trace(inputs);
  std::set<int> pids;
  std::set<std::string> threads;
  int slices = 0;
  for (const auto& e : trace.at("traceEvents")) {
    pids.insert(e.at("pid").get<int>());
    if (e.at("ph") == "M" && e.at("name") == "thread_name") threads.insert(e.at("args").at("name").get<std::string>());
    if (e.at("ph") != "X") continue;
    ++slices;
    if (e.at("name") == "conv") {
      CHECK(e.at("ts").get<double>() == 10);
      CHECK(e.at("dur").get<double>() == 20);
      CHECK(e.at("args").at("input_shapes") == nlohmann::json::array({{1, 3, 8, 8}, {4, 3, 3, 3}}));
    }
    if (e.at("name") == "relu" && e.at("pid") == 2) {
      CHECK(e.at("args").at("predicted_us").get<double>() == 5.0);
      CHECK(e.at("args").at("output_shapes") == nlohmann::json::array({{1, 4, 8, 8}}));  // from the plan
    }
  }
  CHECK(pids == std::set<int>{1, 2});
  CHECK(slices == 6);  // 2 nodes + 2 copies predicted, 1 node + 1 copy measured
  CHECK(threads.count("copy host -> cuda0") == 1);
  CHECK(threads.count("copy cuda0 -> cpu0") == 1);  // a track in each process: the set holds the name once
  CHECK(threads.count("cuda0 (cuda:0 H100)") == 1);

  report::ReportInputs nothing;
  CHECK_THROWS_AS(report::chrome_trace(nothing), ir::Error);
}

TEST_CASE("report: the DOT colours nodes by device and marks edges that cross devices") {
  const std::string dot = report::plan_dot(two_device_plan(std::string(64, 'a')), "a.plan.json");
  CHECK(dot.find("digraph plan") == 0);
  CHECK(dot.find("\"conv\" [label=\"conv\\nConv\", fillcolor=\"" + std::string(report::device_colour(1)) + "\"") != std::string::npos);
  CHECK(dot.find("\"conv\" -> \"relu\" [penwidth=2.5") != std::string::npos);
  CHECK(dot.find("\"input:x\" -> \"conv\"") != std::string::npos);
  planner::Plan old = two_device_plan(std::string(64, 'a'));
  for (auto& n : old.nodes) n.inputs.clear(), n.outputs.clear();
  CHECK_THROWS_AS(report::plan_dot(old, "old.plan.json"), ir::Error);
}
