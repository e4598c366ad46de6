#pragma once
// Weighted least squares for the cost models, behind plain vectors so that Eigen stays in one
// compile unit (least_squares.cpp: column-pivoted Householder QR; no SVD, which takes half a
// minute to compile here).
#include <vector>

namespace costmodel {

// One equation per row: rows[i] · c ≈ y[i] with weight w[i] (each squared residual counts
// w[i]^2 times). Columns are scaled to unit size before solving, so a FLOP count of 1e9 and a
// constant term of 1 are conditioned alike; the result is in the original units.
struct WeightedProblem {
  std::vector<std::vector<double>> rows;
  std::vector<double> y;
  std::vector<double> w;
};

// Unconstrained. A column that is zero or a combination of others gets coefficient 0 (the QR's
// rank decision), so collinear features give one of the equally good answers, not NaN.
std::vector<double> least_squares(const WeightedProblem& problem);

// With every coefficient >= 0 (Lawson-Hanson active set on the same QR): a cost never falls as
// a node does more work, so the fit cannot turn negative when it extrapolates.
std::vector<double> nonnegative_least_squares(const WeightedProblem& problem);

}  // namespace costmodel
