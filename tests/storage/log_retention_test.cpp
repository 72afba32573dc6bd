// Trimming against a real redis-server: never below what a reader still needs.
#include <gtest/gtest.h>


#include "storage/event_log.hpp"
#include "storage/log_retention.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/client_events.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using std::chrono::milliseconds;

namespace {

class LogRetentionTest : public ::testing::Test {
 protected:
  std::vector<std::string> append(int n) {
    std::vector<event> events;
    for (int i = 0; i < n; ++i)
      events.push_back(event{"e" + std::to_string(next_++), "t", "", "null", ""});
    log.append(with_client_ids(events));
    std::vector<std::string> ids;
    auto all = conn.command({"XRANGE", "eventbed:events", "-", "+"});
    for (const auto& e : all.elements)
      ids.push_back(e.elements[0].str);
    return ids;
  }
  long long len(const std::string& stream) { return conn.command({"XLEN", stream}).integer; }

  redis_server redis{false};
  redis_connection conn{parse_redis_endpoint(redis.endpoint())};
  event_log log{conn};
  log_retention retention{conn, log_names{}, std::chrono::seconds(60)};
  int next_ = 0;
};

TEST_F(LogRetentionTest, NothingIsTrimmedBeforeTheGroupExists) {
  append(10);
  auto r = retention.trim(milliseconds(0));
  EXPECT_EQ(r.events_trimmed, 0);
  EXPECT_EQ(len("eventbed:events"), 10);
}

TEST_F(LogRetentionTest, KeepsEverythingFromTheOldestPendingEntryOn) {
  log.ensure_group();
  append(10);
  auto read = log.read_group("c", 10, milliseconds(10));
  ASSERT_EQ(read.size(), 10u);
  // Ack the first 4 only; entry 4 is the oldest still pending.
  std::vector<std::string> acks;
  for (int i = 0; i < 4; ++i)
    acks.push_back(read[i].stream_id);
  log.complete({}, acks);
  auto r = retention.trim(milliseconds(0));
  EXPECT_EQ(r.events_below, read[4].stream_id);
  EXPECT_EQ(r.events_trimmed, 4);
  EXPECT_EQ(len("eventbed:events"), 6);
}

TEST_F(LogRetentionTest, KeepsWhatTheGroupHasNotBeenDeliveredYet) {
  log.ensure_group();
  auto ids = append(5);
  auto read = log.read_group("c", 2, milliseconds(10));
  log.complete({}, {read[0].stream_id, read[1].stream_id});
  retention.trim(milliseconds(0));
  EXPECT_EQ(len("eventbed:events"), 4) << "entries 3..5 were never delivered; 2 is the last delivered";
}

TEST_F(LogRetentionTest, ALiveProjectionHoldsBothStreamsBackAndAStaleOneDoesNot) {
  log.ensure_group();
  auto ids = append(6);
  auto read = log.read_group("c", 6, milliseconds(10));
  std::vector<std::string> acks;
  std::vector<outcome> outs;
  for (auto& e : read) {
    acks.push_back(e.stream_id);
    outs.push_back(outcome{e.ev.id});
  }
  log.complete(outs, acks);
  auto outcome_ids = conn.command({"XRANGE", "eventbed:outcomes", "-", "+"});
  retention.heartbeat("replica-a", ids[2], outcome_ids.elements[1].elements[0].str);
  retention.trim(milliseconds(0));
  EXPECT_EQ(len("eventbed:events"), 4) << "replica-a still needs entries 2..";
  EXPECT_EQ(len("eventbed:outcomes"), 5);

  log_retention impatient{conn, log_names{}, milliseconds(1)};
  EXPECT_TRUE(eventually(
      [&] {
        impatient.trim(milliseconds(0));
        return len("eventbed:events") == 1;
      },
      std::chrono::seconds(10)))
      << "a stale projection no longer holds the log: " << len("eventbed:events");
}

TEST_F(LogRetentionTest, RetentionKeepsRecentEntriesEvenWhenNobodyNeedsThem) {
  log.ensure_group();
  append(5);
  auto read = log.read_group("c", 5, milliseconds(10));
  std::vector<std::string> acks;
  for (auto& e : read)
    acks.push_back(e.stream_id);
  log.complete({}, acks);
  auto r = retention.trim(std::chrono::hours(1));
  EXPECT_EQ(r.events_trimmed, 0);
  EXPECT_EQ(len("eventbed:events"), 5);
}

TEST_F(LogRetentionTest, GapTellsAReaderWhatWasTrimmedPastItsCheckpoint) {
  log.ensure_group();
  auto ids = append(6);
  EXPECT_EQ(retention.gap("eventbed:events", "0-0"), "") << "never trimmed";
  auto read = log.read_group("c", 6, milliseconds(10));
  std::vector<std::string> acks;
  for (auto& e : read)
    acks.push_back(e.stream_id);
  log.complete({}, acks);
  retention.trim(milliseconds(0));
  EXPECT_EQ(retention.gap("eventbed:events", ids[4]), "") << "trimmed only below its checkpoint";
  EXPECT_EQ(retention.gap("eventbed:events", ids[1]), ids[4]);
}

}  // namespace
