// Trimming through the real binary: the log shrinks, nothing needed is lost,
// and a projection that fell behind the trim point says so.
#include <gtest/gtest.h>

#include "storage/event.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/prometheus_text.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;

namespace {

void ingest(http_client& client, const eventbed_process& proc, const std::string& prefix, int n) {
  std::string body = "[";
  for (int i = 0; i < n; ++i)
    body += std::string(i ? "," : "") + R"({"id":")" + prefix + std::to_string(i) + R"(","type":"t"})";
  body += "]";
  ASSERT_EQ(client.post(proc.url("/ingest"), body).status, 202);
}

long long xlen(redis_connection& conn, const std::string& stream) {
  return conn.command({"XLEN", stream}).integer;
}

// The id of the oldest entry left in the events stream ("" if it is empty).
std::string oldest_entry(redis_connection& conn) {
  auto r = conn.command({"XRANGE", "eventbed:events", "-", "+", "COUNT", "1"});
  return r.elements.empty() ? "" : r.elements[0].elements[0].str;
}

// The first entry the processors group has not acknowledged: its oldest
// pending one, else the first one it has not been handed ("" if none).
std::string first_unacknowledged(redis_connection& conn) {
  auto pending = conn.command({"XPENDING", "eventbed:events", "processors"});
  if (pending.elements.size() == 4 && pending.elements[0].integer > 0)
    return pending.elements[1].str;
  auto groups = conn.command({"XINFO", "GROUPS", "eventbed:events"});
  if (groups.elements.empty())
    return "";
  const auto* delivered = groups.elements[0].field("last-delivered-id");
  auto next = conn.command({"XRANGE", "eventbed:events", "(" + delivered->str, "+", "COUNT", "1"});
  return next.elements.empty() ? "" : next.elements[0].elements[0].str;
}

TEST(RetentionTest, TrimsWhatEveryoneHasPassedWhileQueriesStillAnswer) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--retain-ms", "0", "--trim-interval-ms", "100"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  ingest(client, proc, "r-", 100);
  ASSERT_FALSE(wait_for_status(client, proc, "r-99", "processed").is_null());
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  ASSERT_TRUE(eventually([&] { return xlen(conn, "eventbed:events") <= 1; }, std::chrono::seconds(10)))
      << xlen(conn, "eventbed:events");
  EXPECT_TRUE(eventually([&] { return xlen(conn, "eventbed:outcomes") <= 1; },
                         std::chrono::seconds(10)));
  EXPECT_EQ(wait_for_status(client, proc, "r-0", "processed")["id"], "r-0")
      << "the projection keeps what the log no longer has";
  auto metrics = client.get(proc.admin_url("/metrics")).body;
  EXPECT_NE(metrics.find("eventbed_log_trimmed_entries_total{stream=\"events\"} 99"),
            std::string::npos);
}

TEST(RetentionTest, UnprocessedEntriesAreNeverTrimmed) {
  redis_server redis;
  // Ingest and trimming, but processing stalls at 1 s per event.
  eventbed_process proc{redis.endpoint(), {"--roles", "ingest,process", "--retain-ms", "0",
                                           "--trim-interval-ms", "100", "--processors", "1",
                                           "--process-batch", "1", "--process-latency-ms", "1000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  ingest(client, proc, "u-", 20);
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));

  // While the processor works through the backlog, the trimmer removes what it
  // has acknowledged, and at every look the oldest entry left is no later than
  // the first one it has not. The oldest entry is read first: the first
  // unacknowledged one only moves forward, so the order of the two reads
  // cannot make a correct trimmer look wrong.
  int looks = 0;
  double trimmed = 0;
  ASSERT_TRUE(eventually(
      [&] {
        auto oldest = oldest_entry(conn);
        auto unacked = first_unacknowledged(conn);
        if (!unacked.empty()) {
          ++looks;
          EXPECT_LE(compare_stream_ids(oldest, unacked), 0)
              << "entry " << unacked << " was trimmed before it was processed";
        }
        trimmed = sample("\n" + client.get(proc.admin_url("/metrics")).body,
                         "eventbed_log_trimmed_entries_total{stream=\"events\"}");
        return trimmed >= 3;
      },
      std::chrono::seconds(30)))
      << "the trimmer never trimmed processed entries: " << trimmed << "\n" << proc.log();
  EXPECT_GT(looks, 0);
  EXPECT_GE(xlen(conn, "eventbed:events"), 10) << "most of the backlog is still waiting";
}

TEST(RetentionTest, AProjectionThatFellBehindTheTrimPointIsNotReadyAndSaysWhy) {
  redis_server redis;
  eventbed_process front{redis.endpoint(), {"--roles", "ingest,process", "--retain-ms", "0",
                                            "--trim-interval-ms", "100",
                                            "--projection-stale-ms", "500"}};
  eventbed_process query{redis.endpoint(), {"--roles", "query"}};
  front.start();
  query.start();
  ASSERT_TRUE(front.wait_ready()) << front.log();
  ASSERT_TRUE(query.wait_ready()) << query.log();
  http_client client;
  ingest(client, front, "a-", 10);
  ASSERT_FALSE(wait_for_status(client, query, "a-9", "processed").is_null());
  ASSERT_EQ(query.stop(), 0);

  // While the query replica is away its heartbeat goes stale and the log is trimmed past it.
  ingest(client, front, "b-", 10);
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  ASSERT_TRUE(eventually([&] { return xlen(conn, "eventbed:events") <= 1; }, std::chrono::seconds(10)))
      << xlen(conn, "eventbed:events") << " entries left\n" << front.log();

  query.start();
  http_result ready;
  ASSERT_TRUE(eventually(
      [&] {
        ready = client.get(query.admin_url("/readyz"));
        return ready.body.find("missing events") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << ready.body << "\n" << query.log();
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(client.get(query.admin_url("/metrics")).body.find("eventbed_projection_gap 1"),
            std::string::npos);
  EXPECT_NE(query.log().find("projection is missing events"), std::string::npos);
}

}  // namespace
