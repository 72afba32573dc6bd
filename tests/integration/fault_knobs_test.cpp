// The experiment knobs through the real binary: injected errors, latency, slow processing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/redis_connection.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

TEST(FaultKnobsTest, InjectedErrorsAnswer503AndStoreNothing) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--roles", "ingest", "--inject-error-rate", "1"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  auto res = client.post(proc.url("/ingest"), R"({"id":"inj-1","type":"t"})");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(json::parse(res.body)["error"], "injected_fault");
  EXPECT_EQ(res.header("Retry-After"), "1");
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  EXPECT_EQ(conn.command({"XLEN", "eventbed:events"}).integer, 0);
}

TEST(FaultKnobsTest, InjectedProcessingErrorsEndFailedAfterTheDeliveryLimit) {
  redis_server redis;
  eventbed_process front{redis.endpoint(), {"--roles", "ingest,query"}};
  eventbed_process worker{redis.endpoint(), {"--roles", "process", "--inject-error-rate", "1",
                                             "--max-deliveries", "2", "--claim-idle-ms", "150"}};
  front.start();
  worker.start();
  ASSERT_TRUE(front.wait_ready()) << front.log();
  ASSERT_TRUE(worker.wait_ready()) << worker.log();
  http_client client;
  ASSERT_EQ(client.post(front.url("/ingest"), R"({"id":"inj-2","type":"t"})").status, 202);
  auto ev = wait_for_status(client, front, "inj-2", "failed", std::chrono::seconds(30));
  ASSERT_FALSE(ev.is_null()) << worker.log();
  EXPECT_NE(ev["error"].get<std::string>().find("injected fault"), std::string::npos) << ev.dump();
  EXPECT_EQ(ev["attempts"], 2);
}

TEST(FaultKnobsTest, InjectedLatencyDelaysRequests) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--inject-latency-ms", "300-350"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"type":"t"})").status, 202);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST(FaultKnobsTest, BadKnobValuesAreRefusedAtStartup) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--process-latency-ms", "slow"}};
  proc.start();
  EXPECT_NE(proc.wait_exit(std::chrono::seconds(10)), 0);
  EXPECT_NE(proc.log().find("not N or MIN-MAX milliseconds"), std::string::npos) << proc.log();
}

}  // namespace
