#include "actors/simulator/downtime_tracker.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

constexpr auto functional = downtime_reason::functional;
constexpr auto health = downtime_reason::health;

double seconds_of(const downtime_tracker& t, const std::string& target, downtime_reason reason, double now) {
  for (const auto& total : t.totals(now))
    if (total.target == target && total.reason == reason)
      return total.seconds;
  return -1;
}

TEST(DowntimeTracker, OpensAtFirstFailureClosesAtNextSuccess) {
  downtime_tracker t;
  t.success("ingest", functional, 0.5);
  t.failure("ingest", functional, 1.0, "timeout");
  t.failure("ingest", functional, 1.5, "http_503");
  t.success("ingest", functional, 3.0);
  t.success("ingest", functional, 4.0);
  auto w = t.windows(10);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w[0].start, 1.0);
  EXPECT_DOUBLE_EQ(w[0].end, 3.0);
  EXPECT_EQ(w[0].cause, "timeout");  // the failure that opened it
  EXPECT_EQ(w[0].failures, 2u);
  EXPECT_FALSE(w[0].open);
  EXPECT_DOUBLE_EQ(seconds_of(t, "ingest", functional, 10), 2.0);
}

TEST(DowntimeTracker, TrackedTargetsReportZero) {
  downtime_tracker t;
  t.track("query", functional);
  t.track("eventbed", health);
  EXPECT_EQ(t.totals(5).size(), 2u);
  EXPECT_DOUBLE_EQ(seconds_of(t, "query", functional, 5), 0);
  EXPECT_DOUBLE_EQ(seconds_of(t, "eventbed", health, 5), 0);
  EXPECT_TRUE(t.windows(5).empty());
}

TEST(DowntimeTracker, ReasonsAndTargetsAreSeparate) {
  downtime_tracker t;
  t.failure("ingest", health, 1, "http_503");
  t.failure("ingest", functional, 2, "timeout");
  t.success("ingest", health, 4);  // closes only the health window
  t.failure("query", functional, 3, "connect");
  t.success("query", functional, 3.5);
  EXPECT_DOUBLE_EQ(seconds_of(t, "ingest", health, 10), 3);
  EXPECT_DOUBLE_EQ(seconds_of(t, "ingest", functional, 10), 8);  // still open at 10
  EXPECT_DOUBLE_EQ(seconds_of(t, "query", functional, 10), 0.5);
}

TEST(DowntimeTracker, OpenWindowsGrowUntilTheRunEnds) {
  downtime_tracker t;
  t.failure("eventbed", health, 2, "timeout");
  EXPECT_DOUBLE_EQ(seconds_of(t, "eventbed", health, 3), 1);
  EXPECT_DOUBLE_EQ(seconds_of(t, "eventbed", health, 5), 3);
  t.close_all(6);
  auto w = t.windows(100);  // a closed run does not grow any more
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w[0].end, 6);
  EXPECT_TRUE(w[0].open);
  EXPECT_DOUBLE_EQ(seconds_of(t, "eventbed", health, 100), 4);
}

TEST(DowntimeTracker, SuccessDatedBeforeTheFailureDoesNotClose) {
  // A request that completed at 4.9 says nothing about a failure that began at 5.
  downtime_tracker t;
  t.failure("ingest", functional, 5, "timeout");
  t.success("ingest", functional, 4.9);
  EXPECT_TRUE(t.windows(6)[0].open);
  t.success("ingest", functional, 5.2);
  EXPECT_FALSE(t.windows(6)[0].open);
  EXPECT_NEAR(seconds_of(t, "ingest", functional, 6), 0.2, 1e-12);
}

TEST(DowntimeTracker, LateFailureInsideAClosedWindowIsAbsorbed) {
  // Requests sent during an outage time out after it ended; they are part of it.
  downtime_tracker t;
  t.failure("ingest", functional, 1, "timeout");
  t.success("ingest", functional, 3);
  t.failure("ingest", functional, 2, "timeout");
  auto w = t.windows(10);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w[0].start, 1);
  EXPECT_DOUBLE_EQ(w[0].end, 3);
  EXPECT_EQ(w[0].failures, 2u);
}

TEST(DowntimeTracker, LateFailureExtendsTheWindowItBelongsTo) {
  downtime_tracker t;
  t.success("process", functional, 0.5);
  t.failure("process", functional, 2, "not_visible_in_deadline");
  t.success("process", functional, 3);
  t.failure("process", functional, 1, "not_visible_in_deadline");  // dated earlier, same outage
  auto w = t.windows(10);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w[0].start, 1);
  EXPECT_DOUBLE_EQ(w[0].end, 3);
}

TEST(DowntimeTracker, LateFailureBeforeAnEarlierSuccessIsItsOwnWindow) {
  downtime_tracker t;
  t.success("process", functional, 0.5);
  t.success("process", functional, 1.5);
  t.failure("process", functional, 2, "not_visible_in_deadline");
  t.success("process", functional, 3);
  t.failure("process", functional, 1, "not_visible_in_deadline");  // closed by the success at 1.5
  auto w = t.windows(10);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_DOUBLE_EQ(w[0].start, 1);
  EXPECT_DOUBLE_EQ(w[0].end, 1.5);
  EXPECT_DOUBLE_EQ(w[1].start, 2);
  EXPECT_DOUBLE_EQ(w[1].end, 3);
  EXPECT_DOUBLE_EQ(seconds_of(t, "process", functional, 10), 1.5);
}

TEST(DowntimeTracker, LateFailureWhileOpenMovesTheStartBack) {
  downtime_tracker t;
  t.failure("ingest", functional, 5, "http_503");
  t.failure("ingest", functional, 4, "timeout");  // a timeout reported after the 503
  auto w = t.windows(6);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w[0].start, 4);
  EXPECT_EQ(w[0].cause, "timeout");
  EXPECT_TRUE(w[0].open);
}

TEST(DowntimeTracker, SeveralWindowsAddUp) {
  downtime_tracker t;
  for (double s : {1.0, 5.0, 9.0}) {
    t.failure("eventbed", health, s, "timeout");
    t.success("eventbed", health, s + 0.4);
  }
  auto totals = t.totals(20);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].windows, 3u);
  EXPECT_NEAR(totals[0].seconds, 1.2, 1e-12);
}

TEST(DowntimeTracker, UnionCountsOverlapsOnce) {
  downtime_tracker t;
  t.failure("ingest", functional, 1, "timeout");
  t.success("ingest", functional, 4);
  t.failure("query", functional, 3, "timeout");
  t.success("query", functional, 5);
  t.failure("process", functional, 7, "not_visible_in_deadline");
  t.success("process", functional, 8);
  t.failure("probe", health, 0, "timeout");
  t.success("probe", health, 10);
  EXPECT_DOUBLE_EQ(t.union_seconds(functional, 20), 5);  // [1,5] and [7,8]
  EXPECT_DOUBLE_EQ(t.union_seconds(health, 20), 10);
}

}  // namespace
}  // namespace eventbed
