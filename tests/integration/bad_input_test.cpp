// Every rejected request gets a JSON error naming the problem, and stores nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/redis_connection.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();
  }

  void TearDown() override {
    redis_connection conn(parse_redis_endpoint(redis.endpoint()));
    EXPECT_EQ(conn.command({"XLEN", "eventbed:events"}).integer, 0) << "a rejected request stored";
  }

  void expect_error(const http_result& res, long status, const std::string& code) {
    EXPECT_EQ(res.status, status) << res.body;
    auto body = json::parse(res.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << "not JSON: " << res.body;
    EXPECT_EQ(body["error"], code) << res.body;
    EXPECT_FALSE(body.value("detail", "").empty()) << res.body;
    EXPECT_NE(res.header("Content-Type").find("application/json"), std::string::npos);
  }

  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--max-body-bytes", "4096"}};
  http_client client;
};

TEST_F(BadInputTest, MalformedJson) {
  expect_error(client.post(proc.url("/ingest"), R"({"type": "x", )"), 400, "invalid_json");
}

TEST_F(BadInputTest, MissingType) {
  expect_error(client.post(proc.url("/ingest"), R"({"data": 1})"), 400, "missing_field");
}

TEST_F(BadInputTest, WrongContentType) {
  expect_error(client.post(proc.url("/ingest"), R"({"type":"x"})", "text/plain"), 415,
               "unsupported_media_type");
}

TEST_F(BadInputTest, MissingContentType) {
  expect_error(client.post(proc.url("/ingest"), R"({"type":"x"})", ""), 415,
               "unsupported_media_type");
}

TEST_F(BadInputTest, OversizedBody) {
  std::string big = R"({"type":"x","data":")" + std::string(5000, 'a') + R"("})";
  expect_error(client.post(proc.url("/ingest"), big), 413, "body_too_large");
}

TEST_F(BadInputTest, BadIdCharacters) {
  expect_error(client.post(proc.url("/ingest"), R"({"id":"../etc/passwd","type":"x"})"), 400,
               "invalid_id");
}

TEST_F(BadInputTest, OneBadEventRejectsTheWholeBatch) {
  expect_error(client.post(proc.url("/ingest"), R"([{"type":"ok"},{"data":1}])"), 400,
               "missing_field");
}

TEST_F(BadInputTest, UnknownRouteAndWrongMethod) {
  expect_error(client.get(proc.url("/nowhere")), 404, "not_found");
  expect_error(client.get(proc.url("/ingest")), 405, "method_not_allowed");
}

TEST(RedisOutageTest, IngestAnswers503WithRetryAfterAndStoresNothing) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--request-timeout-ms", "2000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  redis.stop();
  http_client client;
  auto res = client.post(proc.url("/ingest"), R"({"id":"during-outage","type":"x"})");
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(json::parse(res.body)["error"], "redis_unavailable");
  EXPECT_EQ(res.header("Retry-After"), "1");
  redis.start();
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  EXPECT_EQ(conn.command({"EXISTS", "eventbed:dedupe:during-outage"}).integer, 0);
  EXPECT_EQ(conn.command({"XLEN", "eventbed:events"}).integer, 0);
}

}  // namespace
