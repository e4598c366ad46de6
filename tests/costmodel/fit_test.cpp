// Fitting, predicting and validating cost models on synthetic profiles whose true costs are
// known, and on a real CPU profile of a sample model.
#include <doctest/doctest.h>

#include <cmath>

#include "costmodel/costmodel_json.h"
#include "costmodel/fit.h"
#include "costmodel/hardware_spec.h"
#include "costmodel/validation.h"
#include "ir/error.h"

namespace {

profiler::NodeRecord record(const std::string& name, const std::string& op, double flops, int64_t bytes, const std::string& device, double us) {
  profiler::NodeRecord r{name, op, {{1, 16}}, flops, bytes / 2, bytes - bytes / 2, 0, {}};
  profiler::Stats s;
  s.median_us = s.p10_us = s.p90_us = s.min_us = s.mean_us = us;
  s.reps = 10;
  r.devices[device].stats = s;
  return r;
}

// One device "cpu0"; per batch b, nodes of Conv (t = 5 + 1e-3 flops/1e3) and Relu (t = 1 +
// bytes/1e4); the whole model 10% above the sum of its nodes.
profiler::Profile synthetic_profile(const std::vector<int64_t>& batches, const std::string& sha = std::string(64, 'a')) {
  profiler::Profile p;
  p.model_path = "synthetic.onnx";
  p.model_sha256 = sha;
  p.devices.push_back({"cpu0", "cpu:threads=1", "cpu", "steady_clock", "", std::nullopt});
  for (int64_t b : batches) {
    profiler::BatchProfile batch;
    batch.batch = b;
    double sum = 0;
    for (int i = 1; i <= 6; ++i) {
      const double flops = 1e6 * i * static_cast<double>(b);
      const int64_t bytes = 4000 * i * b;
      batch.nodes.push_back(record("conv" + std::to_string(i), "Conv", flops, bytes, "cpu0", 5 + flops * 1e-6));
      batch.nodes.push_back(record("relu" + std::to_string(i), "Relu", 0, bytes, "cpu0", 1 + static_cast<double>(bytes) / 1e4));
      sum += 5 + flops * 1e-6 + 1 + static_cast<double>(bytes) / 1e4;
    }
    profiler::WholeModel whole;
    whole.unfused.median_us = 1.1 * sum;
    whole.sum_of_node_medians_us = sum;
    batch.whole_model["cpu0"] = whole;
    p.batches.push_back(std::move(batch));
  }
  return p;
}

costmodel::NodeFeatures features(const std::string& op, double flops, double bytes, const std::string& name = "new") {
  return {std::string(64, 'f'), name, op, {{1, 16}}, flops, bytes, 0};
}

}  // namespace

TEST_CASE("cost model: a formula recovers known costs exactly, and cross-validation sees no error") {
  std::vector<costmodel::Point> points;
  for (int i = 1; i <= 10; ++i) {
    const double flops = 1e6 * i, bytes = 1000.0 * ((i * 7) % 11 + 1);  // not a combination of 1 and flops
    points.push_back({features("Conv", flops, bytes), 1, 2.0 + 3e-6 * flops + 1e-3 * bytes});
  }
  const auto f = costmodel::fit_formula(points, {});
  REQUIRE(f.has_value());
  CHECK(f->form == costmodel::Form::linear);
  CHECK(f->coefficients[0] == doctest::Approx(2.0));
  CHECK(f->coefficients[1] == doctest::Approx(3e-6));
  CHECK(f->coefficients[2] == doctest::Approx(1e-3));
  CHECK(f->cv.points == 10);
  CHECK(f->cv.mape < 1e-9);
  CHECK(f->cv.within_10 == 1.0);
  CHECK(f->predict(features("Conv", 5e7, 0)) == doctest::Approx(2.0 + 150.0));
}

TEST_CASE("cost model: a power law is found where a straight line does badly") {
  std::vector<costmodel::Point> points;
  for (int i = 4; i < 16; ++i) {
    const double flops = std::pow(4.0, i);
    points.push_back({features("MatMul", flops, 0), 1, 0.5 * std::pow(flops, 0.7)});
  }
  const auto f = costmodel::fit_formula(points, {});
  REQUIRE(f.has_value());
  CHECK(f->form == costmodel::Form::loglog);
  CHECK(f->cv.mape < 0.01);
}

TEST_CASE("cost model: one sample scales with work; points of one size or of no time stay sane") {
  const auto one = costmodel::fit_formula({{features("Conv", 2e6, 100), 1, 40.0}}, {});
  REQUIRE(one.has_value());
  CHECK(one->form == costmodel::Form::proportional);
  CHECK(one->predict(features("Conv", 4e6, 100)) == doctest::Approx(80.0));
  CHECK(one->cv.points == 0);  // nothing to cross-validate with

  const auto same_size = costmodel::fit_formula({{features("Add", 0, 64), 1, 2.0}, {features("Add", 0, 64), 1, 4.0}, {features("Add", 0, 64), 1, 3.0}}, {});
  CHECK(same_size->predict(features("Add", 0, 64)) == doctest::Approx(3.0));

  std::vector<costmodel::Point> zeros;
  for (int i = 1; i <= 6; ++i) zeros.push_back({features("Reshape", 0, 100.0 * i), 1, 0.0});
  const auto z = costmodel::fit_formula(zeros, {});
  REQUIRE(z.has_value());
  CHECK(z->predict(features("Reshape", 0, 1e6)) == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(z->cv.mape < 0.05);  // errors against the 1 µs floor, not against 0
}

TEST_CASE("cost model: a form asked far beyond its data falls back to the nearest measured point, and a runaway power law is refused") {
  // Relu-like nodes whose bytes are nearly a fixed multiple of their element count (collinear
  // features): a free power law fits exponents of opposite sign that cancel only here.
  costmodel::Formula runaway;
  runaway.form = costmodel::Form::loglog;
  runaway.terms = {"1", "ln(1+flops)", "ln(1+bytes)"};
  runaway.coefficients = {71730.7, 34504.8, -34503.1};
  runaway.anchors = {{1e3, 2.0}, {1e4, 5.0}, {1e5, 30.0}};
  const costmodel::NodeFeatures far = features("Relu", 1e4, 1e6);  // work = flops 1e4: in range, bytes not
  CHECK_FALSE(runaway.within_data(far).has_value());
  CHECK(runaway.bounded(far) == doctest::Approx(5.0));  // the 1e4 anchor, scaled by work / 1e4
  costmodel::DeviceModel d;
  d.ops["Relu"] = runaway;
  const costmodel::Prediction p = d.predict(far);
  CHECK(p.source == costmodel::Source::bounded);
  CHECK(std::isfinite(p.us));
  CHECK(p.us == doctest::Approx(5.0));
  // 100x the largest anchor's work: outside the data whatever the form says.
  costmodel::Formula line;
  line.form = costmodel::Form::proportional;
  line.terms = {"1", "work"};
  line.coefficients = {0, 3e-4};
  line.anchors = runaway.anchors;
  CHECK_FALSE(line.within_data(features("Relu", 1e7, 0)).has_value());
  CHECK(line.within_data(features("Relu", 5e4, 0)).has_value());

  // fit refuses the power law on such points and says so in the formula's note: time a power
  // of the element count with a wobble that the bytes, 8 per element, echo a thousand times
  // smaller, so least squares explains the wobble by ln(bytes) - ln(flops) with exponents near
  // +-500.
  std::vector<costmodel::Point> points;
  for (int i = 1; i <= 12; ++i) {
    const double elements = 1000.0 * i * i, wobble = ((i * 7) % 5) - 2;
    points.push_back({features("Relu", elements, 8 * elements * (1 + 1e-4 * wobble)), 1, 0.1 * std::sqrt(elements) * (1 + 0.05 * wobble)});
  }
  const auto f = costmodel::fit_formula(points, {});
  REQUIRE(f.has_value());
  CHECK(f->form != costmodel::Form::loglog);
  CHECK(f->note.find("loglog refused") != std::string::npos);
  CHECK(f->anchors.size() == 8);
  CHECK(f->anchors.front().work == doctest::Approx(1000.0));
  CHECK(f->anchors.back().work == doctest::Approx(144000.0));
}

TEST_CASE("cost model: the fallback chain goes measured, node line, op, family, roofline") {
  const profiler::Profile p = synthetic_profile({1, 2, 4});
  const costmodel::CostModel m = costmodel::fit_cost_model({p}, {"synthetic.profile.json"}, {});
  REQUIRE(m.devices.size() == 1);
  const costmodel::DeviceModel& d = m.devices[0];
  CHECK(d.whole_model_scale == doctest::Approx(1.1));

  costmodel::NodeFeatures conv1 = costmodel::features_of(p.batches[1].nodes[0], p.model_sha256);
  const costmodel::Prediction measured = d.predict(conv1);
  CHECK(measured.source == costmodel::Source::measured);
  CHECK(measured.us == doctest::Approx(p.batches[1].nodes[0].devices.at("cpu0").stats->median_us));

  costmodel::NodeFeatures conv1_batch8 = conv1;
  conv1_batch8.flops *= 4;  // batch 2 -> 8
  const costmodel::Prediction line = d.predict(conv1_batch8);
  CHECK(line.source == costmodel::Source::node);
  CHECK(line.us == doctest::Approx(5 + 8e6 * 1e-6));

  const costmodel::Prediction op = d.predict(features("Conv", 3e7, 1000));
  CHECK(op.source == costmodel::Source::op);
  CHECK(op.us == doctest::Approx(5 + 30.0).epsilon(0.02));
  CHECK_FALSE(op.estimated);

  CHECK(d.predict(features("Sigmoid", 0, 1e5)).source == costmodel::Source::family);  // elementwise, like Relu
  CHECK(d.predict(features("LSTM", 1e6, 1e5)).source == costmodel::Source::roofline);
  CHECK(d.predict(features("LSTM", 1e6, 1e5)).us > 0);
}

TEST_CASE("cost model: times inside the fused runs scale each node, its op kind, and the rest by the whole model") {
  // Inside the runs a Conv takes half its time alone, a Relu nothing (fused into the Conv);
  // relu6 is not in the fused runs (as a node of an older profile would not be).
  profiler::Profile p = synthetic_profile({1, 2});
  for (profiler::BatchProfile& b : p.batches) {
    profiler::WholeModel& whole = b.whole_model.at("cpu0");
    double fused = 0;
    for (const profiler::NodeRecord& r : b.nodes) {
      const double alone = r.devices.at("cpu0").stats->median_us;
      if (r.name == "relu6") continue;
      whole.fused_node_us[r.name] = r.op_type == "Conv" ? alone / 2 : 0.0;
      fused += whole.fused_node_us[r.name];
    }
    profiler::Stats stats;
    stats.median_us = fused;
    whole.fused = stats;
  }
  const costmodel::CostModel m = costmodel::fit_cost_model({p}, {"p.json"}, {});
  const costmodel::DeviceModel& d = m.devices[0];
  CHECK(d.in_run_scale.at("Conv") == doctest::Approx(0.5));
  CHECK(d.in_run_scale.at("Relu") == doctest::Approx(0.0));
  // The whole model as it runs (fused) over the sum of its nodes alone.
  double alone = 0, fused = 0;
  for (const profiler::NodeRecord& r : p.batches[0].nodes) alone += r.devices.at("cpu0").stats->median_us;
  fused = p.batches[0].whole_model.at("cpu0").fused->median_us;
  const double alone1 = alone, fused1 = fused;
  alone = 0;
  for (const profiler::NodeRecord& r : p.batches[1].nodes) alone += r.devices.at("cpu0").stats->median_us;
  fused = p.batches[1].whole_model.at("cpu0").fused->median_us;
  CHECK(d.whole_model_scale == doctest::Approx(std::max(fused1 / alone1, fused / alone)));  // the (upper) median of two

  const costmodel::NodeFeatures conv1 = costmodel::features_of(p.batches[0].nodes[0], p.model_sha256);
  CHECK(d.run_scale(conv1) == doctest::Approx(0.5));  // the node's own
  const costmodel::NodeFeatures relu6 = costmodel::features_of(p.batches[0].nodes[11], p.model_sha256);
  REQUIRE(relu6.name == "relu6");
  CHECK(d.run_scale(relu6) == doctest::Approx(0.0));  // its op kind's
  CHECK(d.run_scale(features("Conv", 3e7, 1000)) == doctest::Approx(0.5));  // another model's Conv
  CHECK(d.run_scale(features("LSTM", 1e6, 1e5)) == doctest::Approx(d.whole_model_scale));

  // The whole-model check predicts the fused run node by node, scaled.
  const auto checks = costmodel::test_checks(m, p, "p.json");
  REQUIRE(checks.size() == 2);
  CHECK(checks[0].whole_measured_us == doctest::Approx(fused1));
  CHECK(checks[0].whole_predicted_us == doctest::Approx(fused1 + 0.0).epsilon(0.01));
  // And the scales survive the file.
  const costmodel::CostModel back = costmodel::costmodel_from_json(costmodel::to_json(m), "m.json");
  CHECK(back.devices[0].in_run_scale == d.in_run_scale);
  CHECK(back.devices[0].run_scale(conv1) == doctest::Approx(0.5));
}

TEST_CASE("cost model: held-out batch sizes are predicted from the others, and checked") {
  const profiler::Profile p = synthetic_profile({1, 2, 4, 8, 16});
  const auto checks = costmodel::holdout_checks({p}, {"s.json"}, {8, 16}, {});
  REQUIRE(checks.size() == 2);
  for (const costmodel::Check& c : checks) {
    CHECK(c.nodes.points == 12);
    CHECK(c.nodes.within_10 == 1.0);  // the costs are exactly linear in batch
    CHECK(c.sources.at("node") == 12);
    CHECK(c.nodes_op_only.within_10 == 1.0);
    CHECK(c.whole_predicted_us == doctest::Approx(c.whole_measured_us).epsilon(1e-6));
  }
  CHECK_THROWS_AS(costmodel::holdout_checks({p}, {"s.json"}, {32}, {}), ir::Error);
}

TEST_CASE("cost model: profiles of one device name with different specs are refused, naming both files") {
  profiler::Profile a = synthetic_profile({1}), b = synthetic_profile({1}, std::string(64, 'b'));
  b.devices[0].spec = "cpu:threads=2";
  try {
    costmodel::fit_cost_model({a, b}, {"a.json", "b.json"}, {});
    FAIL("expected an error");
  } catch (const ir::Error& e) {
    const std::string what = e.what();
    CHECK(what.find("a.json") != std::string::npos);
    CHECK(what.find("b.json") != std::string::npos);
  }
}

TEST_CASE("cost model: a model trained on one model predicts another's nodes by formula (test checks)") {
  const profiler::Profile train = synthetic_profile({1, 2}), other = synthetic_profile({4}, std::string(64, 'c'));
  const costmodel::CostModel m = costmodel::fit_cost_model({train}, {"train.json"}, {});
  const auto checks = costmodel::test_checks(m, other, "other.json");
  REQUIRE(checks.size() == 1);
  CHECK(checks[0].sources.count("node") == 0);
  CHECK(checks[0].sources.count("measured") == 0);
  CHECK(checks[0].nodes.points == 12);
}

TEST_CASE("cost model: JSON round trip, and other files refused") {
  const profiler::Profile p = synthetic_profile({1, 2, 4, 8});
  costmodel::CostModel m = costmodel::fit_cost_model({p}, {"p.json"}, {});
  m.validation.holdout_batches = {8};
  m.validation.holdout = costmodel::holdout_checks({p}, {"p.json"}, {8}, {});
  m.links.push_back({"host", "cpu0", "hand-off", "", {{0, 4.0}}, 4.0, std::nullopt});
  const nlohmann::json doc = costmodel::to_json(m);
  CHECK(doc.at("schema") == "partplan.costmodel/1");
  CHECK(costmodel::to_json(costmodel::costmodel_from_json(doc, "m.json")) == doc);
  CHECK_THROWS_AS(costmodel::costmodel_from_json(nlohmann::json{{"schema", "partplan.profile/1"}}, "x.json"), ir::Error);
  nlohmann::json bad = doc;
  bad["devices"][0]["ops"]["Conv"]["form"] = "cubic";
  CHECK_THROWS_AS(costmodel::costmodel_from_json(bad, "bad.json"), ir::Error);
}

TEST_CASE("cost model: shipped device specs load as estimated roofline devices with host links") {
  for (const char* name : {"h100-sxm", "h100-pcie", "h200"}) {
    const costmodel::SpecDevice s = costmodel::load_device_spec(std::string(PARTPLAN_SOURCE_DIR) + "/costmodel/specs/" + name + ".json", "cuda0");
    CHECK(s.device.estimated);
    // The rates an inference-size FP32 node reaches (calibrated on an H100: 14% of peak FLOPs,
    // 11% of peak bandwidth), still well above any CPU's; the launch cost is partplan's own.
    CHECK(s.device.roofline.flops_per_s > 5e12);
    CHECK(s.device.roofline.bytes_per_s > 2e11);
    CHECK(s.device.roofline.launch_us > 1.0);
    CHECK_FALSE(s.device.spec_sources.empty());
    CHECK(s.links.size() == 2);
    const costmodel::Prediction p = s.device.predict(features("Conv", 1e9, 1e6));
    CHECK(p.estimated);
    CHECK(p.source == costmodel::Source::roofline);
  }
  CHECK_THROWS_AS(costmodel::load_device_spec("/nonexistent/spec.json", "cuda0"), ir::Error);
}
