#include "costmodel/least_squares.h"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>

namespace costmodel {

namespace {

struct Scaled {
  Eigen::MatrixXd a;      // weighted rows, columns divided by `scale`
  Eigen::VectorXd b;      // weighted targets
  Eigen::VectorXd scale;  // per column; 1 for an all-zero column
};

Scaled scaled_system(const WeightedProblem& p) {
  const auto rows = static_cast<Eigen::Index>(p.rows.size());
  const auto cols = static_cast<Eigen::Index>(p.rows.empty() ? 0 : p.rows.front().size());
  Scaled s{Eigen::MatrixXd(rows, cols), Eigen::VectorXd(rows), Eigen::VectorXd::Ones(cols)};
  for (Eigen::Index i = 0; i < rows; ++i) {
    const double w = p.w[static_cast<size_t>(i)];
    s.b(i) = w * p.y[static_cast<size_t>(i)];
    for (Eigen::Index j = 0; j < cols; ++j) s.a(i, j) = w * p.rows[static_cast<size_t>(i)][static_cast<size_t>(j)];
  }
  for (Eigen::Index j = 0; j < cols; ++j) {
    const double size = s.a.col(j).cwiseAbs().maxCoeff();
    if (size > 0) {
      s.scale(j) = size;
      s.a.col(j) /= size;
    }
  }
  return s;
}

Eigen::VectorXd solve(const Eigen::MatrixXd& a, const Eigen::VectorXd& b) {
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
  qr.setThreshold(1e-10);
  Eigen::VectorXd x = qr.solve(b);
  for (Eigen::Index j = 0; j < x.size(); ++j)
    if (!std::isfinite(x(j))) x(j) = 0;
  return x;
}

std::vector<double> unscaled(const Eigen::VectorXd& x, const Eigen::VectorXd& scale) {
  std::vector<double> out(static_cast<size_t>(x.size()));
  for (Eigen::Index j = 0; j < x.size(); ++j) out[static_cast<size_t>(j)] = x(j) / scale(j);
  return out;
}

// The least-squares solution on the columns in `passive`, zero elsewhere.
Eigen::VectorXd solve_on(const Eigen::MatrixXd& a, const Eigen::VectorXd& b, const std::vector<bool>& passive) {
  std::vector<Eigen::Index> cols;
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    if (passive[static_cast<size_t>(j)]) cols.push_back(j);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(a.cols());
  if (cols.empty()) return x;
  Eigen::MatrixXd sub(a.rows(), static_cast<Eigen::Index>(cols.size()));
  for (size_t k = 0; k < cols.size(); ++k) sub.col(static_cast<Eigen::Index>(k)) = a.col(cols[k]);
  const Eigen::VectorXd s = solve(sub, b);
  for (size_t k = 0; k < cols.size(); ++k) x(cols[k]) = s(static_cast<Eigen::Index>(k));
  return x;
}

}  // namespace

std::vector<double> least_squares(const WeightedProblem& problem) {
  if (problem.rows.empty()) return {};
  const Scaled s = scaled_system(problem);
  return unscaled(solve(s.a, s.b), s.scale);
}

std::vector<double> nonnegative_least_squares(const WeightedProblem& problem) {
  if (problem.rows.empty()) return {};
  const Scaled s = scaled_system(problem);
  const Eigen::Index n = s.a.cols();
  std::vector<bool> passive(static_cast<size_t>(n), false);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  const double tolerance = 1e-12 * std::max(1.0, s.b.norm());
  // Lawson and Hanson (1974): move the column whose gradient most wants to grow into the
  // passive set, solve there, and step back towards the feasible region while a passive
  // coefficient would be negative. Each outer step adds a column: at most n of them.
  for (Eigen::Index outer = 0; outer < 3 * n; ++outer) {
    const Eigen::VectorXd gradient = s.a.transpose() * (s.b - s.a * x);
    Eigen::Index best = -1;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!passive[static_cast<size_t>(j)] && gradient(j) > tolerance && (best < 0 || gradient(j) > gradient(best))) best = j;
    if (best < 0) break;
    passive[static_cast<size_t>(best)] = true;
    Eigen::VectorXd z = solve_on(s.a, s.b, passive);
    for (Eigen::Index inner = 0; inner < 3 * n; ++inner) {
      double alpha = 1.0;
      bool infeasible = false;
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<size_t>(j)] && z(j) <= 0) {
          infeasible = true;
          const double denominator = x(j) - z(j);
          if (denominator > 0) alpha = std::min(alpha, x(j) / denominator);
        }
      if (!infeasible) break;
      x += alpha * (z - x);
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<size_t>(j)] && x(j) <= 1e-15) {
          passive[static_cast<size_t>(j)] = false;
          x(j) = 0;
        }
      z = solve_on(s.a, s.b, passive);
    }
    // A column the QR found dependent comes back as 0: leave it out for good.
    bool moved = false;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (!passive[static_cast<size_t>(j)]) continue;
      if (z(j) > 0) {
        moved = moved || z(j) != x(j);
      } else {
        passive[static_cast<size_t>(j)] = false;
        z(j) = 0;
      }
    }
    x = z;
    if (!moved) break;
  }
  return unscaled(x, s.scale);
}

}  // namespace costmodel
