// CloudEvents through the real binary, Redis and SQLite: binary content mode
// on POST /ingest, the CloudEvents answer of GET /events/{id}, the CloudEvents
// JavaScript SDK's round trip, and a log written before events carried
// CloudEvents attributes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "storage/redis_connection.hpp"
#include "tests/support/command.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

const std::string kCloudEventsJson = "application/cloudevents+json";
const std::string kTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

class CloudEventsTest : public ::testing::Test {
 protected:
  void start() {
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();
  }

  long long events_in_log() {
    redis_connection conn(parse_redis_endpoint(redis.endpoint()));
    return conn.command({"XLEN", "eventbed:events"}).integer;
  }

  // The event as a CloudEvent, once it is processed.
  json cloudevent(const std::string& id) {
    if (wait_for_status(client, proc, id, "processed").is_null()) return nullptr;
    auto res = client.get(proc.url("/events/" + id), {"Accept: " + kCloudEventsJson});
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.header("Content-Type"), kCloudEventsJson);
    return json::parse(res.body, nullptr, false);
  }

  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  http_client client;
};

TEST_F(CloudEventsTest, BinaryModeEventComesBackAsTheSameCloudEvent) {
  start();
  // As curl users send it, the subject percent-encoded as the HTTP binding requires.
  const std::string body("caf\xc3\xa9 \x00\xff", 8);
  auto res = client.post(proc.url("/ingest"), body, "text/plain; charset=utf-8",
                         {"ce-specversion: 1.0", "ce-id: bin-1", "ce-source: /sensors/7", "ce-type: sensor.read",
                          "ce-subject: Euro%20%E2%82%AC", "ce-time: 2024-01-02T03:04:05Z", "CE-Region: eu-1",
                          "ce-traceparent: " + kTrace});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(json::parse(res.body), json::parse(R"({"id":"bin-1","duplicate":false})"));

  json ce = cloudevent("bin-1");
  ASSERT_TRUE(ce.is_object()) << proc.log();
  EXPECT_EQ(ce, json::parse(R"({"specversion":"1.0","id":"bin-1","source":"/sensors/7","type":"sensor.read",
      "datacontenttype":"text/plain; charset=utf-8","region":"eu-1","subject":"Euro \u20ac",
      "time":"2024-01-02T03:04:05Z","traceparent":")" + kTrace + R"(","data_base64":"Y2Fmw6kgAP8="})"));

  // Without the Accept header, the answer eventbed always gave, the bytes as data_base64.
  auto plain = json::parse(client.get(proc.url("/events/bin-1")).body);
  EXPECT_EQ(plain["data_base64"], "Y2Fmw6kgAP8=");
  EXPECT_EQ(plain["datacontenttype"], "text/plain; charset=utf-8");
  EXPECT_FALSE(plain.contains("data"));
  EXPECT_EQ(plain["traceparent"], kTrace);
  EXPECT_EQ(plain["status"], "processed");
}

TEST_F(CloudEventsTest, BinaryModeJsonDataIsJson) {
  start();
  auto res = client.post(proc.url("/ingest"), R"({"sku": "A-1", "qty": 3})", "application/json",
                         {"ce-specversion: 1.0", "ce-id: bin-json", "ce-source: /shop", "ce-type: order.created"});
  ASSERT_EQ(res.status, 202) << res.body;
  json ce = cloudevent("bin-json");
  ASSERT_TRUE(ce.is_object()) << proc.log();
  EXPECT_EQ(ce["data"], json::parse(R"({"sku":"A-1","qty":3})"));
  EXPECT_EQ(ce["datacontenttype"], "application/json");
  EXPECT_EQ(json::parse(client.get(proc.url("/events/bin-json")).body)["data"], ce["data"]);
}

TEST_F(CloudEventsTest, BadBinaryModeRequestsAreRefusedAndStoreNothing) {
  start();
  const std::vector<std::string> ok = {"ce-specversion: 1.0", "ce-id: bad-1", "ce-source: /s", "ce-type: t"};
  struct bad_case {
    std::vector<std::string> headers;
    std::string content_type, body;
    long status;
    std::string error;
  };
  const bad_case cases[] = {
      {{"ce-id: bad-1", "ce-source: /s", "ce-type: t"}, "application/json", "{}", 400, "missing_field"},
      {{"ce-specversion: 1.0", "ce-id: bad-1", "ce-source: /s", "ce-type: t", "ce-subject: 100%"}, "", "", 400,
       "invalid_field"},
      {{"ce-specversion: 1.0", "ce-id: bad-1", "ce-source: /s", "ce-type: t", "ce-datacontenttype: text/plain"}, "",
       "", 400, "unknown_field"},
      {ok, "application/json", "{not json", 400, "invalid_json"},
      {ok, "application/json; charset=latin1", "{}", 415, "unsupported_media_type"},
  };
  for (const auto& c : cases) {
    auto res = client.post(proc.url("/ingest"), c.body, c.content_type, c.headers);
    EXPECT_EQ(res.status, c.status) << res.body;
    EXPECT_EQ(json::parse(res.body, nullptr, false).value("error", ""), c.error) << res.body;
  }
  EXPECT_EQ(events_in_log(), 0);
  EXPECT_EQ(client.get(proc.url("/events/bad-1")).status, 404);
}

TEST_F(CloudEventsTest, APlainJsonEventAsACloudEvent) {
  start();
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"id":"plain-1","type":"order.created","data":{"n":1}})").status,
            202);
  json ce = cloudevent("plain-1");
  ASSERT_TRUE(ce.is_object()) << proc.log();
  auto plain = json::parse(client.get(proc.url("/events/plain-1")).body);
  EXPECT_EQ(ce, json::parse(R"({"specversion":"1.0","id":"plain-1","source":"urn:eventbed:ingest",
      "type":"order.created","traceparent":")" + plain["traceparent"].get<std::string>() + R"(","data":{"n":1}})"));
  // Accept headers that do not ask for a CloudEvent get the plain answer.
  for (const char* accept : {"Accept: */*", "Accept: application/json", "Accept: application/json, "
                                                                         "application/cloudevents+json;q=0.5"}) {
    auto res = client.get(proc.url("/events/plain-1"), {accept});
    EXPECT_EQ(res.header("Content-Type"), "application/json") << accept;
    EXPECT_EQ(json::parse(res.body), plain) << accept;
  }
}

TEST_F(CloudEventsTest, CloudEventsJavaScriptSdkRoundTripsBinaryStructuredAndBatchModes) {
  start();
  const auto script = std::filesystem::path(__FILE__).parent_path() / "cloudevents" / "roundtrip";
  // The first run installs the SDK (npm ci); later ones take about a second.
  auto run = run_command({script.string(), proc.url(""), "sdk"}, std::chrono::minutes(4));
  EXPECT_EQ(run.exit_code, 0) << run.output << "\n" << proc.log();
  EXPECT_NE(run.output.find("round trip ok: 9 events"), std::string::npos) << run.output;
}

TEST_F(CloudEventsTest, ALogWrittenBeforeCloudEventsAttributesIsProcessedAndProjected) {
  {
    // Entries exactly as every eventbed before wrote them: five fields.
    redis_connection conn(parse_redis_endpoint(redis.endpoint()));
    for (const auto& [id, data] : {std::pair<std::string, std::string>{"old-1", R"({"sku":"A-1"})"},
                                   {"old-2", "null"}, {"old-3", R"("aGk=")"}}) {
      auto reply = conn.command({"XADD", "eventbed:events", "*", "id", id, "type", "order.created", "source",
                                 id == "old-2" ? "" : "/shop", "data", data, "tp", kTrace});
      ASSERT_EQ(reply.type, redis_reply::kind::string) << reply.str;
    }
  }
  start();
  auto old1 = wait_for_status(client, proc, "old-1", "processed");
  ASSERT_FALSE(old1.is_null()) << proc.log();
  EXPECT_EQ(old1["data"], json::parse(R"({"sku":"A-1"})"));
  EXPECT_EQ(old1["source"], "/shop");
  EXPECT_EQ(old1["traceparent"], kTrace);
  EXPECT_FALSE(old1.contains("data_base64"));

  EXPECT_EQ(cloudevent("old-1"), json::parse(R"({"specversion":"1.0","id":"old-1","source":"/shop",
      "type":"order.created","traceparent":")" + kTrace + R"(","data":{"sku":"A-1"}})"));
  json old2 = cloudevent("old-2");
  EXPECT_EQ(old2["source"], "urn:eventbed:ingest");
  EXPECT_FALSE(old2.contains("data"));
  EXPECT_EQ(cloudevent("old-3")["data"], "aGk=");  // what structured-mode data_base64 used to become
}

}  // namespace
