#include "actors/simulator/latency_recorder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace eventbed {
namespace {

TEST(LatencyRecorder, SummaryOnAKnownSet) {
  // 1 ms, 2 ms, ..., 1000 ms, added in a shuffled order.
  std::vector<int> ms(1000);
  for (int i = 0; i < 1000; ++i)
    ms[i] = i + 1;
  std::shuffle(ms.begin(), ms.end(), std::mt19937(42));
  latency_recorder r;
  for (int v : ms)
    r.add(v / 1000.0);
  auto s = r.summary();
  double err = latency_recorder::relative_error();
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.min, 0.001);
  EXPECT_DOUBLE_EQ(s.max, 1.000);
  EXPECT_NEAR(s.mean, 0.5005, 1e-12);
  for (auto [got, want] : {std::pair{s.p50, 0.500}, {s.p90, 0.900}, {s.p95, 0.950}, {s.p99, 0.990},
                           {s.p999, 0.999}}) {
    EXPECT_GE(got, want - 1e-6);
    EXPECT_LE(got, want * (1 + err));
  }
}

TEST(LatencyRecorder, OneStallDominatesTheTail) {
  // 999 fast requests and one that waited 3 s: p99 stays fast, p99.9 and max show the stall.
  latency_recorder r;
  for (int i = 0; i < 999; ++i)
    r.add(0.002);
  r.add(3.0);
  EXPECT_LT(r.percentile(99), 0.0021);
  EXPECT_LT(r.percentile(99.9), 0.0021);
  EXPECT_DOUBLE_EQ(r.percentile(99.91), 3.0);
  EXPECT_DOUBLE_EQ(r.summary().max, 3.0);
}

TEST(LatencyRecorder, BucketsCountEachSampleOnce) {
  latency_recorder r({0.01, 0.1, 1});
  for (double v : {0.005, 0.01, 0.05, 0.5, 2.0, 0.1})
    r.add(v);
  // le semantics: 0.01 belongs to the 0.01 bucket, 0.1 to the 0.1 bucket.
  EXPECT_EQ(r.counts(), (std::vector<uint64_t>{2, 2, 1, 1}));
  EXPECT_DOUBLE_EQ(r.sum(), 2.665);
}

}  // namespace
}  // namespace eventbed
