#pragma once
// Fitting cost models from profiles: per (device, op kind) and (device, op family) the formula
// with the smallest k-fold cross-validated error among linear, quadratic and power-law forms,
// each node's history across batch sizes, the device's roofline and whole-model scale, the
// links. Pure: profiles in, a CostModel out.
#include <vector>

#include "costmodel/cost_model.h"
#include "profiler/profile.h"

namespace costmodel {

// One measured node time: what a formula is fitted on and judged against.
struct Point {
  NodeFeatures features;
  std::optional<int64_t> batch;
  double us = 0;
};

struct FitOptions {
  int folds = 5;
  unsigned seed = 1;  // fold assignment: the same inputs give the same model, byte for byte
};

// The best formula for the points (std::nullopt for none). One or two points, or points that
// do not vary in work, get a proportional formula without cross-validation.
std::optional<Formula> fit_formula(const std::vector<Point>& points, const FitOptions& options);

// Out-of-fold predictions of `form` for every point (k-fold; empty when too few points).
std::vector<double> cross_validated(const std::vector<Point>& points, Form form, const FitOptions& options);

// Fits one model per device over every profile (devices matched by name; a name with another
// device spec in two profiles is an ir::Error naming both files). `profiles[i]` was read from
// `paths[i]`.
CostModel fit_cost_model(const std::vector<profiler::Profile>& profiles, const std::vector<std::string>& paths, const FitOptions& options);

// Every measured node time of a profile on one device (nodes with statistics only).
std::vector<Point> points_of(const profiler::Profile& profile, const std::string& device);

// Every training point's out-of-fold prediction by its op kind's formula (where the formula
// was cross-validated), for plotting predicted against measured.
std::vector<PointPrediction> cross_validated_points(const std::vector<profiler::Profile>& profiles, const CostModel& model, const FitOptions& options);

Accuracy accuracy_of(const std::vector<Point>& points, const std::vector<double>& predicted);

}  // namespace costmodel
