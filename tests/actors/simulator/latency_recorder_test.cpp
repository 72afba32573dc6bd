#include "actors/simulator/latency_recorder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace eventbed {
namespace {

// 1 ms, 2 ms, ..., 1000 ms, added in a shuffled order.
latency_recorder thousand_samples() {
  std::vector<int> ms(1000);
  for (int i = 0; i < 1000; ++i)
    ms[i] = i + 1;
  std::shuffle(ms.begin(), ms.end(), std::mt19937(42));
  latency_recorder r;
  for (int v : ms)
    r.add(0, v / 1000.0);
  return r;
}

TEST(LatencyRecorder, NearestRankOnAKnownSet) {
  auto r = thousand_samples();
  auto s = r.summary();
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.p50, 0.500);
  EXPECT_DOUBLE_EQ(s.p90, 0.900);
  EXPECT_DOUBLE_EQ(s.p99, 0.990);
  EXPECT_DOUBLE_EQ(s.p999, 0.999);
  EXPECT_DOUBLE_EQ(s.max, 1.000);
  EXPECT_NEAR(s.mean, 0.5005, 1e-12);
  EXPECT_DOUBLE_EQ(r.percentile(99), 0.990);
}

TEST(LatencyRecorder, RankArithmeticDoesNotSkipARank) {
  // 99.9 % of 41000 is exactly rank 40959, but 99.9 · 41000 / 100 is
  // 40959.00000000001 in binary floating point: a bare ceil() would give 40960.
  latency_recorder r;
  for (int i = 1; i <= 41000; ++i)
    r.add(0, i);
  EXPECT_DOUBLE_EQ(r.percentile(99.9), 40959);
  EXPECT_DOUBLE_EQ(r.summary().p999, 40959);
}

TEST(LatencyRecorder, PercentilesAreObservedValues) {
  // Nearest rank never interpolates: with 5 samples p50 is the 3rd, p90 and p99 the 5th.
  latency_recorder r;
  for (double v : {0.030, 0.010, 0.050, 0.020, 0.040})
    r.add(0, v);
  EXPECT_DOUBLE_EQ(r.percentile(50), 0.030);
  EXPECT_DOUBLE_EQ(r.percentile(90), 0.050);
  EXPECT_DOUBLE_EQ(r.percentile(20), 0.010);
  EXPECT_DOUBLE_EQ(r.percentile(20.1), 0.020);
  EXPECT_DOUBLE_EQ(r.percentile(100), 0.050);
}

TEST(LatencyRecorder, OneStallDominatesTheTail) {
  // 999 fast requests and one that waited 3 s: p99 stays fast, p99.9 and max show the stall.
  latency_recorder r;
  for (int i = 0; i < 999; ++i)
    r.add(0, 0.002);
  r.add(0, 3.0);
  EXPECT_DOUBLE_EQ(r.percentile(99), 0.002);
  EXPECT_DOUBLE_EQ(r.percentile(99.9), 0.002);
  EXPECT_DOUBLE_EQ(r.percentile(99.91), 3.0);
  EXPECT_DOUBLE_EQ(r.summary().max, 3.0);
}

TEST(LatencyRecorder, EmptyIsZero) {
  latency_recorder r;
  EXPECT_EQ(r.summary().count, 0u);
  EXPECT_EQ(r.percentile(99), 0);
}

TEST(LatencyRecorder, PercentileCacheFollowsNewSamples) {
  latency_recorder r;
  r.add(0, 0.001);
  EXPECT_DOUBLE_EQ(r.percentile(100), 0.001);
  r.add(0, 0.5);
  EXPECT_DOUBLE_EQ(r.percentile(100), 0.5);
}

TEST(LatencyRecorder, BucketsCountEachSampleOnce) {
  latency_recorder r({0.01, 0.1, 1});
  for (double v : {0.005, 0.01, 0.05, 0.5, 2.0, 0.1})
    r.add(0, v);
  // le semantics: 0.01 belongs to the 0.01 bucket, 0.1 to the 0.1 bucket.
  EXPECT_EQ(r.counts(), (std::vector<uint64_t>{2, 2, 1, 1}));
  EXPECT_DOUBLE_EQ(r.sum(), 2.665);
}

TEST(LatencyRecorder, PerBinSummariesUseTheSampleTime) {
  latency_recorder r;
  r.add(0.5, 0.001);
  r.add(0.9, 0.003);
  r.add(1.2, 0.200);
  r.add(5.0, 9.0);  // beyond the bins asked for
  auto bins = r.per_bin(1.0, 3);
  ASSERT_EQ(bins.size(), 3u);
  EXPECT_EQ(bins[0].count, 2u);
  EXPECT_DOUBLE_EQ(bins[0].p99, 0.003);
  EXPECT_EQ(bins[1].count, 1u);
  EXPECT_DOUBLE_EQ(bins[1].max, 0.200);
  EXPECT_EQ(bins[2].count, 0u);
}

}  // namespace
}  // namespace eventbed
