#pragma once
// A cost model (`partplan.costmodel/1`, docs/formats.md): per device, a fitted formula per op
// kind and per op family, each node's own times across batch sizes, a roofline, and the links;
// with the error of every formula. The planner asks it for times and never runs a kernel.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "costmodel/features.h"
#include "profiler/profile.h"

namespace costmodel {

inline constexpr const char* costmodel_schema = "partplan.costmodel/1";
// Below this, relative errors and fit weights are taken against 1 µs: a node of 0.05 µs
// predicted at 0.1 µs is not 100% wrong in any way that matters to a plan.
inline constexpr double time_floor_us = 1.0;

double relative_error(double predicted_us, double measured_us);  // (p - m) / max(m, floor)

struct Miss {
  std::string node;
  std::optional<int64_t> batch;
  double measured_us = 0, predicted_us = 0;
};

struct Accuracy {
  int points = 0;
  double mape = 0;       // mean |relative error|
  double within_10 = 0;  // share of points within ±10%
  double within_25 = 0;
  std::vector<Miss> worst;  // the largest errors, up to 3
};

// A measured point a formula was fitted on: its work (NodeFeatures::work) and median time.
struct Anchor {
  double work = 0, us = 0;
};

struct Formula {
  Form form = Form::linear;
  std::vector<std::string> terms;
  std::vector<double> coefficients;
  int samples = 0;
  Accuracy cv;  // k-fold cross-validation, out of fold; points = 0 when too few samples
  // Up to eight of its training points, spread along their work (smallest and largest
  // included): what bounds the formula where its data cannot support it. Empty in cost models
  // written before them: the formula is then bounded by the roofline alone.
  std::vector<Anchor> anchors;
  // What fit did besides taking the best cross-validated form (a form refused, and why); "".
  std::string note;
  double predict(const NodeFeatures& f) const;  // >= 0; the fitted form as it is
  // The fitted form where its time per unit of work stays within `rate_margin` of the
  // anchors' (and the node's work within `work_margin` of theirs); else nothing, and the caller
  // falls back to bounded(): a form fitted on collinear features, or one whose time falls as
  // work grows, extrapolates without limit (a Relu `loglog` with exponents 34504.8 and -34503.1
  // predicted 3.8e303 us for a node 10x larger than any it saw).
  std::optional<double> within_data(const NodeFeatures& f) const;
  // The nearest anchor (in log work) scaled to the node's work: time proportional to work
  // from the closest size that was measured.
  double bounded(const NodeFeatures& f) const;
  static constexpr double rate_margin = 3.0, work_margin = 16.0;
};

// One node of a profiled model on one device, at every batch it was measured at: its own
// times beat any formula, and a line through them (time = a + b work) its other batch sizes.
struct NodeHistory {
  std::string model_sha256, name, op_type;
  std::vector<std::pair<double, double>> points;  // (work, median µs)
  double intercept_us = 0, slope_us = 0;           // per unit of work; 0 with one distinct work
  // Its time inside the model's fused runs over its time alone (median over batches; 0 fused
  // into another node's kernel); -1 when not measured (a GPU, or an older profile).
  double in_run_scale = -1;
  bool has_line() const;
};

// The rates the device typically reaches (or a spec's share of peak), for what nothing else
// predicts: launch + max(FLOPs / flops_per_s, bytes / bytes_per_s).
struct Roofline {
  double flops_per_s = 0, bytes_per_s = 0, launch_us = 0;
  double predict(const NodeFeatures& f) const;
};

// Where a prediction came from; `bounded`: an op or family formula asked beyond its data, so
// the nearest measured point scaled to the node's work (Formula::bounded).
enum class Source { measured, node, op, family, bounded, roofline };
const char* source_name(Source source);

struct Prediction {
  double us = 0;
  Source source = Source::roofline;
  bool estimated = false;  // from a device spec: no kernel of this device was ever timed
};

struct DeviceModel {
  std::string name, spec, description, timer;
  bool estimated = false;
  std::string machine;  // where it was profiled (profiler::machine_summary); "" for a device spec
  std::string spec_sources;  // a device spec's sources for its figures
  Roofline roofline;
  std::map<std::string, Formula> ops, families;
  std::vector<NodeHistory> nodes;
  // The whole model as `partplan run` runs it (fused, channels-last; unfused in a profile
  // without that run) over the sum of its nodes' medians alone: what timing nodes in isolation
  // misses (fusion, layouts, cache reuse, the executor's work), median over the batches.
  double whole_model_scale = 1;
  // What `plan --measure` learned: the device's whole-model time replayed over its predicted
  // time (the latest measurement), applied to every node on top of the scales above. 1 in a
  // cost model no replay has updated.
  double replay_scale = 1;
  // What a node pays in a replay beyond its kernel: the driving thread handing it to the device
  // and waiting for it (the profile's replayed whole model over its fused runs, per kernel;
  // median over the batches). 0 for profiles without a replayed run.
  double dispatch_us = 0;
  // Its whole model's time while the profile's other devices (on cores of their own) ran
  // theirs, over its time alone: median over the batches; 1 when not measured (a GPU, one
  // device, older profiles).
  double co_run_factor = 1;
  // Per op kind: its nodes' summed time inside the fused runs over their time alone (CPU
  // devices, whose profiles time each node inside those runs). A convolution that runs on
  // channels-last neighbours and absorbs its BatchNormalization and Relu costs less there
  // than alone, and the Relu nothing; an LSTM about the same.
  std::map<std::string, double> in_run_scale;
  // What the device refused in the profiles: op kinds it never ran (op -> its reason), and
  // nodes it refused ("model sha256/node name") where others of their kind ran.
  std::map<std::string, std::string> declined_ops;
  std::vector<std::string> declined_nodes;
  bool can_run(const NodeFeatures& f) const;

  // The fallback chain: the node's own time at this size, its line across sizes, its op kind's
  // formula, its family's, the roofline. Without history, the formulas alone (validation).
  Prediction predict(const NodeFeatures& f, bool use_history = true) const;
  const NodeHistory* history(const NodeFeatures& f) const;
  // What turns a prediction of the node alone into its time inside a run: the node's own
  // in-run scale, else its op kind's, else the whole model's.
  double run_scale(const NodeFeatures& f) const;
  // Whether the profile's runs fused this node into another's kernel (its time there was 0).
  bool fused_in_runs(const NodeFeatures& f) const;
};

struct TrainingSet {
  std::string path, sha256;
  std::vector<std::optional<int64_t>> batches;
};

// One node time predicted without having been fitted on (cross-validation, a held-out batch,
// another model): what the report plots.
struct PointPrediction {
  std::string device, node, op_type;
  std::optional<int64_t> batch;
  double measured_us = 0, predicted_us = 0;
  std::string source;  // source_name() of the prediction; "cv" for a cross-validated one
};

// A check of predictions against measurements the model was not fitted on: a held-out batch
// size of a training profile, or a profile of another model (`--test`).
struct Check {
  std::string device, model_path;
  std::optional<int64_t> batch;
  Accuracy nodes;          // through the whole fallback chain
  Accuracy nodes_op_only;  // op-kind and family formulas alone (no node history)
  std::map<std::string, int> sources;
  double whole_measured_us = 0, whole_predicted_us = 0;  // 0 measured: no whole-model run
  std::vector<PointPrediction> predictions;
};

struct Validation {
  std::vector<int64_t> holdout_batches;
  std::vector<Check> holdout, test;
};

// A split the profile replayed: the model's nodes alternating between two CPU devices (node k
// of those that run on `first` when k is even), at the shapes it was profiled with. The planner
// predicts the same split and takes the difference as its uncertainty about splits of that
// model.
struct SplitCheck {
  std::string model_sha256, first, second;
  std::map<std::string, std::vector<int64_t>> input_shapes;
  double measured_us = 0;
};

struct CostModel {
  std::vector<TrainingSet> trained_on;
  std::vector<SplitCheck> split_checks;  // absent before 2026-12-08
  std::vector<DeviceModel> devices;
  std::vector<profiler::LinkProfile> links;
  Validation validation;
  // How far a split's replay was from its prediction, |measured / predicted - 1|, the worst
  // `plan --measure` has seen (0 until one has): the least uncertainty a later split is given.
  double split_uncertainty = 0;
  const DeviceModel* device(const std::string& name) const;
};

}  // namespace costmodel
