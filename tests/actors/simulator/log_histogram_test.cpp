#include "actors/simulator/log_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace eventbed {
namespace {

// The exact nearest-rank percentile: sorted[ceil(p/100 · n) - 1].
double exact(const std::vector<double>& sorted, double p) {
  double rank = std::ceil(p * double(sorted.size()) / 100 - 1e-9);
  return sorted[std::max<size_t>(1, static_cast<size_t>(rank)) - 1];
}

TEST(LogHistogram, PercentilesAreWithinTheStatedErrorOfTheExactValue) {
  // Latencies spread over six decades (10 µs to 10 s), as a stalled run has them.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> exponent(-5, 1);
  std::vector<double> values;
  log_histogram h;
  for (int i = 0; i < 200000; ++i) {
    double v = std::pow(10.0, exponent(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  EXPECT_LE(h.relative_error(), 0.01);
  for (double p : {1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    double want = exact(values, p), got = h.percentile(p);
    // Never below (up to the microsecond the samples are counted in), at most the error above.
    EXPECT_GE(got, want - 1e-6) << "p" << p;
    EXPECT_LE(got, want * (1 + h.relative_error())) << "p" << p;
  }
  EXPECT_DOUBLE_EQ(h.min(), values.front());
  EXPECT_DOUBLE_EQ(h.max(), values.back());
  EXPECT_EQ(h.count(), values.size());
}

TEST(LogHistogram, SmallValuesAreExactToTheMicrosecond) {
  log_histogram h;
  for (int us = 1; us <= 200; ++us)
    h.record(us * 1e-6);
  EXPECT_NEAR(h.percentile(50), 100e-6, 1e-12);
  EXPECT_NEAR(h.percentile(99), 198e-6, 1e-12);
}

TEST(LogHistogram, RankArithmeticDoesNotSkipARank) {
  // 99.9 % of 41000 is exactly rank 40959, but 99.9 · 41000 / 100 is
  // 40959.00000000001 in binary floating point: a bare ceil() would give 40960.
  log_histogram h;
  for (int i = 0; i < 40959; ++i)
    h.record(1e-6);
  for (int i = 0; i < 41; ++i)
    h.record(2e-6);
  EXPECT_NEAR(h.percentile(99.9), 1e-6, 1e-12);
}

TEST(LogHistogram, MergeIsTheSameAsRecordingBoth) {
  log_histogram a, b, both;
  for (int i = 1; i <= 1000; ++i) {
    (i % 3 ? a : b).record(i * 1e-3);
    both.record(i * 1e-3);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_DOUBLE_EQ(a.min(), both.min());
  EXPECT_DOUBLE_EQ(a.max(), both.max());
  EXPECT_NEAR(a.sum(), both.sum(), 1e-9);
  for (double p : {50.0, 99.0, 99.9})
    EXPECT_DOUBLE_EQ(a.percentile(p), both.percentile(p));
}

TEST(LogHistogram, ValuesPastTheRangeKeepAnExactMax) {
  log_histogram h(7, 10);
  h.record(0.001);
  h.record(500);
  EXPECT_DOUBLE_EQ(h.max(), 500);
  EXPECT_DOUBLE_EQ(h.percentile(100), 500);
  EXPECT_LE(h.percentile(50), 0.001 * (1 + h.relative_error()));
}

TEST(LogHistogram, EmptyAndResetAreZero) {
  log_histogram h;
  EXPECT_EQ(h.percentile(99), 0);
  EXPECT_EQ(h.min(), 0);
  h.record(1);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.percentile(50), 0);
}

}  // namespace
}  // namespace eventbed
