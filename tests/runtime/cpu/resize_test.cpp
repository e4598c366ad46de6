// Unit cases for runtime/cpu/resize.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "tests/runtime/cpu/kernel_test_util.h"

using test::attr_f;
using test::attr_i;
using test::attr_ints;
using test::attr_s;
using test::check_close;
using test::f32;
using test::i64;
using test::none;
using test::run_node;

TEST_CASE("Resize nearest, asymmetric + floor, upsample by scales") {
  // x_original = j / 2, floored: 0 0 1 1 2 2.
  auto out = run_node("Resize", {f32({1, 1, 1, 3}, {1, 2, 3}), none(), f32({4}, {1, 1, 1, 2})},
                      {{"mode", attr_s("nearest")}, {"coordinate_transformation_mode", attr_s("asymmetric")}, {"nearest_mode", attr_s("floor")}},
                      1, {2});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 1, 6});
  check_close(out[0].values, {1, 1, 2, 2, 3, 3});
}

TEST_CASE("Resize nearest on int64: round_prefer_ceil vs round_prefer_floor at .5") {
  // Scale 4 (exact in float) on 2 elements -> x = j / 4 = 0, .25, .5, .75, 1, 1.25, 1.5, 1.75 (2 clamps to 1).
  const auto x = i64({2}, {10, 20});
  auto ceil = run_node("Resize", {x, none(), f32({1}, {4})},
                       {{"coordinate_transformation_mode", attr_s("asymmetric")}, {"nearest_mode", attr_s("round_prefer_ceil")}}, 1, {2});
  CHECK(ceil[0].dtype == ir::DType::int64);
  CHECK(ceil[0].values == std::vector<double>{10, 10, 20, 20, 20, 20, 20, 20});
  auto floor = run_node("Resize", {x, none(), f32({1}, {4})}, {{"coordinate_transformation_mode", attr_s("asymmetric")}}, 1, {2});
  CHECK(floor[0].values == std::vector<double>{10, 10, 10, 20, 20, 20, 20, 20});
}

TEST_CASE("Resize linear, half_pixel, sizes: edges clamp") {
  // x_original = (j + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25.
  auto out = run_node("Resize", {f32({1, 1, 1, 2}, {0, 10}), none(), none(), i64({4}, {1, 1, 1, 4})}, {{"mode", attr_s("linear")}}, 1, {3});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 1, 4});
  check_close(out[0].values, {0, 2.5, 7.5, 10});
}

TEST_CASE("Resize bilinear, align_corners, 2x2 -> 3x3") {
  auto out = run_node("Resize", {f32({1, 1, 2, 2}, {0, 1, 2, 3}), none(), none(), i64({4}, {1, 1, 3, 3})},
                      {{"mode", attr_s("linear")}, {"coordinate_transformation_mode", attr_s("align_corners")}}, 1, {3});
  CHECK(out[0].shape == std::vector<int64_t>{1, 1, 3, 3});
  check_close(out[0].values, {0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3});
}

TEST_CASE("Resize cubic, asymmetric x2, with and without exclude_outside") {
  // Integer sources copy; half-way sources weigh taps k-1..k+2 by A=-0.75's cubic at ratio 0.5:
  // -0.09375, 0.59375, 0.59375, -0.09375 (out-of-range taps clamp to the edge).
  const auto x = f32({1, 4}, {0, 1, 2, 3});
  auto out = run_node("Resize", {x, none(), f32({2}, {1, 2})}, {{"mode", attr_s("cubic")}, {"coordinate_transformation_mode", attr_s("asymmetric")}}, 1, {2});
  CHECK(out[0].shape == std::vector<int64_t>{1, 8});
  check_close(out[0].values, {0, 0.40625, 1, 1.5, 2, 2.59375, 3, 3.09375});
  auto excluded = run_node("Resize", {x, none(), f32({2}, {1, 2})},
                           {{"mode", attr_s("cubic")}, {"coordinate_transformation_mode", attr_s("asymmetric")}, {"exclude_outside", attr_i(1)}}, 1, {2});
  // j=1: tap -1 is dropped and the rest renormalised: (0.59375*1 - 0.09375*2) / 1.09375.
  CHECK(excluded[0].values[1] == doctest::Approx(0.40625 / 1.09375));
  CHECK(excluded[0].values[3] == doctest::Approx(1.5));
}

TEST_CASE("Resize tf_crop_and_resize on one axis, extrapolating outside the roi") {
  // axes=[1], roi [0.5, 1.5]: x_original = 0.5*3 + j*1.0*3/2 = 1.5, 3, 4.5 (outside -> -1).
  auto out = run_node("Resize", {f32({1, 4}, {0, 1, 2, 3}), f32({2}, {0.5, 1.5}), none(), i64({1}, {3})},
                      {{"mode", attr_s("linear")}, {"coordinate_transformation_mode", attr_s("tf_crop_and_resize")},
                       {"axes", attr_ints({1})}, {"extrapolation_value", attr_f(-1)}},
                      1, {1, 3});
  CHECK(out[0].shape == std::vector<int64_t>{1, 3});
  check_close(out[0].values, {1.5, 3, -1});
}

TEST_CASE("Resize to the same size is a copy") {
  auto out = run_node("Resize", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), none(), f32({2}, {1, 1})}, {{"mode", attr_s("cubic")}}, 1, {2});
  check_close(out[0].values, {1, 2, 3, 4, 5, 6});
}
