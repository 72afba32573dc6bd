#include "actors/simulator/timeline.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

TEST(SimTimeline, CountsAndLatencyLandInTheirBins) {
  sim_timeline tl(1.0);
  tl.add(sim_timeline::series::sent, 0.5, 3);
  tl.add(sim_timeline::series::accepted, 1.2);
  tl.add_latency(0.5, 0.001);
  tl.add_latency(0.9, 0.003);
  tl.add(sim_timeline::series::errors, -1);  // before the start: ignored
  ASSERT_EQ(tl.bins().size(), 2u);
  EXPECT_EQ(tl.bins()[0].sent, 3u);
  EXPECT_EQ(tl.bins()[1].accepted, 1u);
  ASSERT_TRUE(tl.bins()[0].latency);
  EXPECT_EQ(tl.bins()[0].latency->count(), 2u);
  EXPECT_DOUBLE_EQ(tl.bins()[0].latency->percentile(99), 0.003);
  EXPECT_FALSE(tl.bins()[1].latency);  // no samples, no histogram
}

TEST(SimTimeline, ALongRunMergesBinsInsteadOfGrowing) {
  sim_timeline tl(1.0, 600);
  for (int s = 0; s < 3600; ++s) {  // an hour, one event and one sample a second
    tl.add(sim_timeline::series::accepted, s + 0.5);
    tl.add_latency(s + 0.5, s == 1800 ? 2.0 : 0.001);
  }
  EXPECT_LE(tl.bins().size(), 600u);
  EXPECT_DOUBLE_EQ(tl.width(), 8.0);
  uint64_t accepted = 0, samples = 0;
  for (const auto& b : tl.bins()) {
    accepted += b.accepted;
    samples += b.latency ? b.latency->count() : 0;
  }
  EXPECT_EQ(accepted, 3600u);
  EXPECT_EQ(samples, 3600u);
  EXPECT_DOUBLE_EQ(tl.bins()[1800 / 8].latency->max(), 2.0);  // the slow one is still where it was
}

}  // namespace
}  // namespace eventbed
