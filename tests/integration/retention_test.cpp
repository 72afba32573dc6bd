// Trimming through the real binary: the log shrinks, nothing needed is lost,
// and a projection that fell behind the trim point says so.
#include <gtest/gtest.h>

#include <thread>

#include "storage/redis_connection.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
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
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // several trim rounds
  EXPECT_GE(xlen(conn, "eventbed:events"), 18) << "trimmed entries still waiting to be processed";
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
