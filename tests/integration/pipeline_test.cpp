// POST /ingest to GET /events/{id} through the real binary, Redis and SQLite.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/pipeline/handlers/builtin.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();
  }

  long long stream_length(const std::string& stream) {
    redis_connection conn(parse_redis_endpoint(redis.endpoint()));
    return conn.command({"XLEN", stream}).integer;
  }

  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  http_client client;
};

TEST_F(PipelineTest, SingleEventIsAcceptedThenProcessedWithItsContent) {
  auto res = client.post(proc.url("/ingest"), R"({"type":"order.created","source":"test",)"
                                              R"("data":{"sku":"A-1","qty":3}})");
  ASSERT_EQ(res.status, 202) << res.body;
  auto id = json::parse(res.body).at("id").get<std::string>();
  EXPECT_EQ(id.size(), 36u) << "a generated id is a UUIDv7";

  auto ev = wait_for_status(client, proc, id, "processed");
  ASSERT_FALSE(ev.is_null()) << proc.log();
  EXPECT_EQ(ev["type"], "order.created");
  EXPECT_EQ(ev["source"], "test");
  EXPECT_EQ(ev["data"], json::parse(R"({"sku":"A-1","qty":3})"));
  EXPECT_EQ(ev["attempts"], 1);
  EXPECT_EQ(ev["result"]["digest"], payload_digest(R"({"sku":"A-1","qty":3})"));  // as stored
  EXPECT_TRUE(ev["accepted_at"].is_string());
  EXPECT_TRUE(ev["processed_at"].is_string());
  EXPECT_EQ(ev["traceparent"].get<std::string>().size(), 55u);
}

TEST_F(PipelineTest, ArrayOfEventsIsAcceptedAsOneBatch) {
  auto res = client.post(proc.url("/ingest"),
                         R"([{"type":"a","data":1},{"type":"b","data":2},{"type":"c"}])");
  ASSERT_EQ(res.status, 202) << res.body;
  auto body = json::parse(res.body);
  ASSERT_EQ(body["ids"].size(), 3u);
  EXPECT_EQ(body["duplicates"], 0);
  for (const auto& id : body["ids"])
    EXPECT_FALSE(wait_for_status(client, proc, id, "processed").is_null()) << id;
  EXPECT_EQ(stream_length("eventbed:events"), 3);
}

TEST_F(PipelineTest, CloudEventsStructuredAndBatchModes) {
  auto one = client.post(proc.url("/ingest"),
                         R"({"specversion":"1.0","id":"ce-1","source":"/shop","type":"shop.sale",)"
                         R"("data":{"total":9.5}})",
                         "application/cloudevents+json");
  ASSERT_EQ(one.status, 202) << one.body;
  EXPECT_EQ(json::parse(one.body)["id"], "ce-1");

  auto batch = client.post(proc.url("/ingest"),
                           R"([{"specversion":"1.0","id":"ce-2","source":"/s","type":"t"},)"
                           R"({"specversion":"1.0","id":"ce-3","source":"/s","type":"t"}])",
                           "application/cloudevents-batch+json");
  ASSERT_EQ(batch.status, 202) << batch.body;
  EXPECT_EQ(json::parse(batch.body)["ids"], json::parse(R"(["ce-2","ce-3"])"));

  auto ev = wait_for_status(client, proc, "ce-1", "processed");
  ASSERT_FALSE(ev.is_null());
  EXPECT_EQ(ev["source"], "/shop");
  EXPECT_EQ(ev["data"]["total"], 9.5);
  EXPECT_FALSE(wait_for_status(client, proc, "ce-3", "processed").is_null());
}

TEST_F(PipelineTest, RepeatingAClientIdReturnsTheSameIdAndAddsNothing) {
  const std::string body = R"({"id":"order-42","type":"order.created","data":{"n":1}})";
  auto first = client.post(proc.url("/ingest"), body);
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(json::parse(first.body)["duplicate"], false);
  auto again = client.post(proc.url("/ingest"), body);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(json::parse(again.body)["id"], "order-42");
  EXPECT_EQ(json::parse(again.body)["duplicate"], true);
  EXPECT_EQ(stream_length("eventbed:events"), 1);
  auto ev = wait_for_status(client, proc, "order-42", "processed");
  ASSERT_FALSE(ev.is_null());
  EXPECT_EQ(ev["attempts"], 1);
}

TEST_F(PipelineTest, TraceparentFromTheClientTravelsToTheRecord) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto res = client.post(proc.url("/ingest"), R"({"id":"traced-1","type":"t","data":null})",
                         "application/json", {"traceparent: " + tp});
  ASSERT_EQ(res.status, 202) << res.body;
  auto ev = wait_for_status(client, proc, "traced-1", "processed");
  ASSERT_FALSE(ev.is_null());
  EXPECT_EQ(ev["traceparent"], tp);
}

TEST_F(PipelineTest, PoisonEventFailsAfterTheDeliveryLimitWithoutBlockingOthers) {
  eventbed_process fast(redis.endpoint(),
                        {"--roles", "process", "--max-deliveries", "3", "--claim-idle-ms", "150"});
  fast.start();
  ASSERT_TRUE(fast.wait_ready()) << fast.log();
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"id":"poison-1","type":"eventbed.poison"})").status,
            202);
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"id":"after-1","type":"ok"})").status, 202);
  EXPECT_FALSE(wait_for_status(client, proc, "after-1", "processed").is_null());
  auto ev = wait_for_status(client, proc, "poison-1", "failed", std::chrono::seconds(60));
  ASSERT_FALSE(ev.is_null()) << proc.log();
  EXPECT_NE(ev["error"].get<std::string>().find("poison"), std::string::npos) << ev.dump();
  EXPECT_GE(ev["attempts"].get<int>(), 3);
}

TEST_F(PipelineTest, RejectedEventFailsAtOnce) {
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"id":"rej-1","type":"eventbed.reject"})").status,
            202);
  auto ev = wait_for_status(client, proc, "rej-1", "failed");
  ASSERT_FALSE(ev.is_null());
  EXPECT_EQ(ev["attempts"], 1);
}

TEST_F(PipelineTest, StatsCountByStatusAndType) {
  ASSERT_EQ(client.post(proc.url("/ingest"),
                        R"([{"id":"s1","type":"x"},{"id":"s2","type":"x"},)"
                        R"({"id":"s3","type":"eventbed.reject"}])")
                .status,
            202);
  ASSERT_FALSE(wait_for_status(client, proc, "s2", "processed").is_null());
  ASSERT_FALSE(wait_for_status(client, proc, "s3", "failed").is_null());
  json stats;
  ASSERT_TRUE(eventually(
      [&] {
        stats = json::parse(client.get(proc.url("/stats")).body);
        return stats["total"] == 3 && stats["by_status"].value("processed", 0) == 2;
      },
      std::chrono::seconds(10)))
      << stats.dump();
  EXPECT_EQ(stats["by_status"]["failed"], 1);
  EXPECT_EQ(stats["by_type"]["x"]["processed"], 2);
}

TEST_F(PipelineTest, UnknownIdIs404AndBadIdIs400) {
  auto missing = client.get(proc.url("/events/nope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"], "not_found");
  auto bad = client.get(proc.url("/events/..%2F..%2Fetc%2Fpasswd"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"], "invalid_id");
}

}  // namespace
