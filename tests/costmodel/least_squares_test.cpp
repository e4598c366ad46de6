// The least-squares core of the cost models on problems whose answers are known.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <vector>

#include "costmodel/least_squares.h"

namespace {

costmodel::WeightedProblem problem_of(const std::vector<std::vector<double>>& rows, const std::vector<double>& y) {
  return {rows, y, std::vector<double>(y.size(), 1.0)};
}

}  // namespace

TEST_CASE("least squares recovers known coefficients across very different column scales") {
  std::vector<std::vector<double>> rows;
  std::vector<double> y;
  for (int i = 1; i <= 12; ++i) {
    const double flops = 1e6 * i * i, bytes = 4e3 * (13 - i);
    rows.push_back({1.0, flops, bytes});
    y.push_back(3.0 + 2e-6 * flops + 5e-4 * bytes);
  }
  for (const auto& c : {costmodel::least_squares(problem_of(rows, y)), costmodel::nonnegative_least_squares(problem_of(rows, y))}) {
    REQUIRE(c.size() == 3);
    CHECK(c[0] == doctest::Approx(3.0).epsilon(1e-9));
    CHECK(c[1] == doctest::Approx(2e-6).epsilon(1e-9));
    CHECK(c[2] == doctest::Approx(5e-4).epsilon(1e-9));
  }
}

TEST_CASE("non-negative least squares keeps coefficients at zero where the free fit goes negative") {
  // y = 2 x1 - 1 x2 exactly: the free fit finds -1; with c >= 0 the best is x2's coefficient 0
  // and x1's the least-squares slope of y on x1 alone.
  std::vector<std::vector<double>> rows = {{1, 0}, {2, 1}, {3, 1}, {4, 3}};
  std::vector<double> y;
  for (const auto& r : rows) y.push_back(2 * r[0] - r[1]);
  const auto free = costmodel::least_squares(problem_of(rows, y));
  CHECK(free[1] == doctest::Approx(-1.0));
  const auto c = costmodel::nonnegative_least_squares(problem_of(rows, y));
  CHECK(c[1] == 0.0);
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    sxy += rows[i][0] * y[i];
    sxx += rows[i][0] * rows[i][0];
  }
  CHECK(c[0] == doctest::Approx(sxy / sxx));
}

TEST_CASE("collinear and all-zero columns give finite coefficients that still fit exactly") {
  std::vector<std::vector<double>> rows;
  std::vector<double> y;
  for (int i = 1; i <= 6; ++i) {
    rows.push_back({1.0, double(i), 4.0 * i, 0.0});  // bytes = 4 x flops; a column of zeros
    y.push_back(1.0 + 3.0 * i);
  }
  for (const auto& c : {costmodel::least_squares(problem_of(rows, y)), costmodel::nonnegative_least_squares(problem_of(rows, y))}) {
    REQUIRE(c.size() == 4);
    CHECK(c[3] == 0.0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      double predicted = 0;
      for (std::size_t j = 0; j < 4; ++j) predicted += c[j] * rows[i][j];
      CHECK(std::isfinite(predicted));
      CHECK(predicted == doctest::Approx(y[i]));
    }
  }
}

TEST_CASE("weights decide which rows a fit favours") {
  // Two inconsistent rows: the heavier one wins.
  costmodel::WeightedProblem p{{{1.0}, {1.0}}, {10.0, 20.0}, {100.0, 1.0}};
  CHECK(costmodel::least_squares(p)[0] == doctest::Approx(10.0).epsilon(1e-3));
}
