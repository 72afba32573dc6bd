// The events stream's two formats through the real binary, Redis and SQLite
// (storage/event_entry.hpp): a log written in format 1 is processed and
// projected, stays on format 1 while an earlier build may still read it, moves
// to format 2 when the operator sets the key, and a fresh projection replays
// the mixed log whole.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "storage/redis_connection.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

using namespace std::chrono_literals;

const std::string kTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// The field names of the newest entry of the events stream.
std::vector<std::string> newest_entry_fields(redis_connection& conn) {
  std::vector<std::string> names;
  auto reply = conn.command({"XREVRANGE", "eventbed:events", "+", "-", "COUNT", "1"});
  if (reply.elements.empty())
    return names;
  const auto& fields = reply.elements[0].elements[1].elements;
  for (size_t i = 0; i < fields.size(); i += 2)
    names.push_back(fields[i].str);
  return names;
}

TEST(LogFormat, AFormatOneLogIsReplayedKeptAndMovedToFormatTwoByTheOperator) {
  redis_server redis;
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  // As earlier builds wrote them: the five fields, and the CloudEvents ones.
  ASSERT_EQ(conn.command({"XADD", "eventbed:events", "*", "id", "old-1", "type", "order.created", "source", "/shop",
                          "data", R"({"sku":"A-1"})", "tp", kTrace})
                .type,
            redis_reply::kind::string);
  ASSERT_EQ(conn.command({"XADD", "eventbed:events", "*", "id", "old-2", "type", "upload", "source", "/s", "data",
                          std::string("\x00\xff", 2), "tp", kTrace, "ct", "application/octet-stream", "attrs",
                          R"({"subject":"x"})", "bin", "1"})
                .type,
            redis_reply::kind::string);

  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  auto old1 = wait_for_status(client, proc, "old-1", "processed");
  ASSERT_FALSE(old1.is_null()) << proc.log();
  EXPECT_EQ(old1["data"], json::parse(R"({"sku":"A-1"})"));
  auto old2 = wait_for_status(client, proc, "old-2", "processed");
  ASSERT_FALSE(old2.is_null()) << proc.log();
  EXPECT_EQ(old2["data_base64"], "AP8=");
  EXPECT_EQ(old2["datacontenttype"], "application/octet-stream");

  // An older log: appends stay in format 1, which every earlier build reads.
  auto res = client.post(proc.url("/ingest"), R"({"id":"new-1","type":"order.created","data":{"n":1}})");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(newest_entry_fields(conn), (std::vector<std::string>{"id", "type", "source", "data", "tp"}));
  EXPECT_EQ(conn.command({"GET", "eventbed:log-format"}).type, redis_reply::kind::nil);

  // The operator's switch, once no earlier build runs: picked up within seconds.
  ASSERT_EQ(conn.command({"SET", "eventbed:log-format", "2"}).str, "OK");
  std::vector<std::string> ids{"old-1", "old-2", "new-1"};
  ASSERT_TRUE(eventually(
      [&] {
        ids.push_back("new-" + std::to_string(ids.size()));
        auto r = client.post(proc.url("/ingest"), R"({"id":")" + ids.back() + R"(","type":"t","data":[1]})");
        EXPECT_EQ(r.status, 202) << r.body;
        return newest_entry_fields(conn) == std::vector<std::string>{"e"};
      },
      10s, 100ms))
      << "format 2 was not taken up";
  EXPECT_FALSE(wait_for_status(client, proc, ids.back(), "processed").is_null()) << proc.log();

  // A fresh projection replays the mixed log from the start.
  eventbed_process replay{redis.endpoint(), {"--roles", "query"}};
  replay.start();
  ASSERT_TRUE(replay.wait_ready()) << replay.log();
  EXPECT_EQ(unfinished(ids, replay, {"processed"}, 20s), std::vector<std::string>{}) << replay.log();
  auto replayed = wait_for_status(client, replay, "old-2", "processed");
  EXPECT_EQ(replayed["data_base64"], "AP8=");
  EXPECT_EQ(wait_for_status(client, replay, ids.back(), "processed")["data"], json::parse("[1]"));
}

TEST(LogFormat, AFreshLogStartsOnFormatTwo) {
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  auto res = client.post(proc.url("/ingest"), R"({"id":"f-1","type":"t","data":{"n":1}})");
  ASSERT_EQ(res.status, 202) << res.body;
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  EXPECT_EQ(newest_entry_fields(conn), std::vector<std::string>{"e"});
  EXPECT_EQ(conn.command({"GET", "eventbed:log-format"}).str, "2");
  auto ev = wait_for_status(client, proc, "f-1", "processed");
  ASSERT_FALSE(ev.is_null()) << proc.log();
  EXPECT_EQ(ev["data"], json::parse(R"({"n":1})"));
}

}  // namespace
