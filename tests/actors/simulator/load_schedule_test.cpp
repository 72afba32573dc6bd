#include "actors/simulator/load_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace eventbed {
namespace {

load_shape_params params(load_shape shape, double rate, double duration) {
  load_shape_params p;
  p.shape = shape;
  p.rate = rate;
  p.duration = duration;
  return p;
}

// Arrival times must be non-decreasing and inside [0, duration).
void expect_ordered(const load_schedule& s) {
  double prev = 0;
  for (uint64_t k = 0; k < s.total(); ++k) {
    double t = s.arrival(k);
    ASSERT_GE(t, prev) << "arrival " << k;
    ASSERT_LT(t, s.duration()) << "arrival " << k;
    prev = t;
  }
}

// How many arrivals fall into [from, to).
uint64_t arrivals_in(const load_schedule& s, double from, double to) {
  uint64_t n = 0;
  for (uint64_t k = 0; k < s.total(); ++k)
    n += s.arrival(k) >= from && s.arrival(k) < to;
  return n;
}

TEST(LoadSchedule, ConstantIsEvenlySpaced) {
  auto s = load_schedule::make(params(load_shape::constant, 100, 10));
  EXPECT_EQ(s.total(), 1000u);
  EXPECT_DOUBLE_EQ(s.arrival(0), 0.0);
  EXPECT_NEAR(s.arrival(1), 0.01, 1e-12);
  EXPECT_NEAR(s.arrival(999), 9.99, 1e-9);
  EXPECT_DOUBLE_EQ(s.rate_at(3), 100);
  expect_ordered(s);
}

TEST(LoadSchedule, FractionalCountsRoundUp) {
  // 7/s for 1.5 s expects 10.5 arrivals: k = 0..10 all start before the end.
  auto s = load_schedule::make(params(load_shape::constant, 7, 1.5));
  EXPECT_EQ(s.total(), 11u);
}

TEST(LoadSchedule, RampFollowsTheIntegral) {
  // 0 -> 100/s over 10 s: Λ(t) = 5 t², so 500 arrivals and arrival k at sqrt(k / 5).
  auto p = params(load_shape::ramp, 100, 10);
  auto s = load_schedule::make(p);
  EXPECT_EQ(s.total(), 500u);
  for (uint64_t k : {0u, 1u, 20u, 125u, 499u})
    EXPECT_NEAR(s.arrival(k), std::sqrt(k / 5.0), 1e-9) << k;
  EXPECT_EQ(arrivals_in(s, 0, 5), 125u);  // a quarter of the events in the first half
  expect_ordered(s);
}

TEST(LoadSchedule, RampDownward) {
  auto p = params(load_shape::ramp, 10, 10);
  p.ramp_from = 30;
  auto s = load_schedule::make(p);
  EXPECT_EQ(s.total(), 200u);
  EXPECT_GT(arrivals_in(s, 0, 5), arrivals_in(s, 5, 10));
  expect_ordered(s);
}

TEST(LoadSchedule, StepsClimbInEqualSlices) {
  auto p = params(load_shape::step, 100, 8);
  p.steps = 4;
  auto s = load_schedule::make(p);
  EXPECT_EQ(s.total(), 500u);  // 2 s each at 25, 50, 75, 100
  EXPECT_EQ(arrivals_in(s, 0, 2), 50u);
  EXPECT_EQ(arrivals_in(s, 2, 4), 100u);
  EXPECT_EQ(arrivals_in(s, 4, 6), 150u);
  EXPECT_EQ(arrivals_in(s, 6, 8), 200u);
  EXPECT_NEAR(s.arrival(50), 2.0, 1e-9);
  expect_ordered(s);
}

TEST(LoadSchedule, SpikeMultipliesTheRateForItsLength) {
  auto p = params(load_shape::spike, 10, 10);
  p.spike_factor = 5;
  p.spike_at = 4;
  p.spike_length = 2;
  auto s = load_schedule::make(p);
  EXPECT_EQ(s.total(), 180u);  // 8 s at 10/s + 2 s at 50/s
  EXPECT_EQ(arrivals_in(s, 4, 6), 100u);
  EXPECT_EQ(arrivals_in(s, 0, 4), 40u);
  EXPECT_DOUBLE_EQ(s.rate_at(5), 50);
  expect_ordered(s);
}

TEST(LoadSchedule, SpikeDefaultsToTheMiddleTenth) {
  auto s = load_schedule::make(params(load_shape::spike, 10, 100));
  EXPECT_DOUBLE_EQ(s.rate_at(44), 10);
  EXPECT_DOUBLE_EQ(s.rate_at(46), 50);
  EXPECT_DOUBLE_EQ(s.rate_at(56), 10);
}

TEST(LoadSchedule, DiurnalKeepsTheMeanAndPeaksAtNoon) {
  auto p = params(load_shape::diurnal, 100, 24);
  p.amplitude = 0.8;
  auto s = load_schedule::make(p);
  EXPECT_EQ(s.total(), 2400u);
  EXPECT_NEAR(s.rate_at(0), 20, 1e-9);    // midnight: mean · (1 - 0.8)
  EXPECT_NEAR(s.rate_at(12), 180, 1e-9);  // noon: mean · (1 + 0.8)
  uint64_t noon = arrivals_in(s, 10.5, 13.5);
  uint64_t night = arrivals_in(s, 0, 1.5) + arrivals_in(s, 22.5, 24);
  EXPECT_GT(noon, 5 * night);
  expect_ordered(s);
}

TEST(LoadSchedule, WeeklyHasQuieterWeekends) {
  auto p = params(load_shape::weekly, 100, 70);  // 10 s per compressed day
  p.amplitude = 0.5;
  p.weekend_factor = 0.5;
  auto s = load_schedule::make(p);
  EXPECT_EQ(s.total(), 7000u);  // the week still averages --rate
  uint64_t monday = arrivals_in(s, 0, 10), saturday = arrivals_in(s, 50, 60);
  EXPECT_NEAR(double(saturday) / double(monday), 0.5, 0.01);
  EXPECT_NEAR(double(monday), 7000.0 / 6.0, 1.0);  // weekday = 7 · rate / (5 + 2 · 0.5) per second
  expect_ordered(s);
}

TEST(LoadSchedule, ScaledDividesRequestsByBatch) {
  auto s = load_schedule::make(params(load_shape::constant, 100, 10)).scaled(1.0 / 4);
  EXPECT_EQ(s.total(), 250u);
  EXPECT_NEAR(s.arrival(1), 0.04, 1e-12);
}

TEST(LoadSchedule, TruncatedStopsAtTheCut) {
  auto s = load_schedule::make(params(load_shape::constant, 100, 10)).truncated(2.5);
  EXPECT_DOUBLE_EQ(s.duration(), 2.5);
  EXPECT_EQ(s.total(), 250u);
}

TEST(LoadSchedule, RejectsNonsense) {
  EXPECT_THROW(load_schedule::make(params(load_shape::constant, 0, 10)), std::invalid_argument);
  EXPECT_THROW(load_schedule::make(params(load_shape::constant, 10, -1)), std::invalid_argument);
  auto p = params(load_shape::spike, 10, 10);
  p.spike_at = 9;
  p.spike_length = 2;
  EXPECT_THROW(load_schedule::make(p), std::invalid_argument);
  p = params(load_shape::diurnal, 10, 10);
  p.amplitude = 1.5;
  EXPECT_THROW(load_schedule::make(p), std::invalid_argument);
}

TEST(LoadSchedule, ShapeNamesRoundTrip) {
  for (auto s : {load_shape::constant, load_shape::ramp, load_shape::step, load_shape::spike, load_shape::diurnal,
                 load_shape::weekly})
    EXPECT_EQ(parse_load_shape(to_string(s)), s);
  EXPECT_FALSE(parse_load_shape("sawtooth"));
}

}  // namespace
}  // namespace eventbed
