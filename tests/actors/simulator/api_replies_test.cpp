#include "actors/simulator/api_replies.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

sim_http_response answer(long status, std::string body) {
  sim_http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(ApiReplies, SingleAndBatchIngestReplies) {
  auto one = read_ingest_reply(answer(202, R"({"id":"a","duplicate":true})"), 1);
  EXPECT_TRUE(one.accepted);
  EXPECT_EQ(one.ids, std::vector<std::string>{"a"});
  EXPECT_TRUE(one.duplicate);
  EXPECT_TRUE(one.problem.empty());

  auto batch = read_ingest_reply(answer(202, R"({"ids":["a","b"],"duplicates":1})"), 2);
  EXPECT_EQ(batch.ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(batch.duplicates, 1u);
  EXPECT_TRUE(batch.problem.empty());
}

TEST(ApiReplies, A202ThatBreaksTheContractIsStillStoredButFlagged) {
  for (const char* body : {"", "[]", R"({"id":5})", R"({"ids":["a"]})", R"({"duplicate":"yes","id":"a"})"}) {
    auto r = read_ingest_reply(answer(202, body), 2);
    EXPECT_TRUE(r.accepted) << body;
    EXPECT_FALSE(r.problem.empty()) << body;
    EXPECT_FALSE(r.duplicate) << body;
  }
}

TEST(ApiReplies, OnlyA202IsAccepted) {
  for (long status : {200L, 400L, 413L, 415L, 503L})
    EXPECT_FALSE(read_ingest_reply(answer(status, R"({"id":"a"})"), 1).accepted) << status;
  sim_http_response timeout;
  timeout.failed = sim_http_response::failure::timeout;
  EXPECT_FALSE(read_ingest_reply(timeout, 1).accepted);
  EXPECT_TRUE(retryable(timeout));
  EXPECT_TRUE(retryable(answer(503, "")));
  EXPECT_FALSE(retryable(answer(400, "")));
}

TEST(ApiReplies, EventRecords) {
  event_factory f("r1", "sim.event", 0);
  auto record = f.event(3);
  record["status"] = "processed";
  record["traceparent"] = "00-x";
  record["attempts"] = 1;
  auto got = read_event_record(answer(200, record.dump()), f, 3);
  EXPECT_EQ(got.what, poll_answer::kind::processed);
  EXPECT_TRUE(got.content_ok);

  record["status"] = "accepted";
  record["data"]["gift"] = "maybe";
  got = read_event_record(answer(200, record.dump()), f, 3);
  EXPECT_EQ(got.what, poll_answer::kind::accepted);
  EXPECT_FALSE(got.content_ok);

  EXPECT_EQ(read_event_record(answer(404, R"({"error":"not_found","detail":"x"})"), f, 3).what,
            poll_answer::kind::not_found);
  // Pistache's own "no route" 404 means a wrong --query URL, not an unknown event.
  EXPECT_EQ(read_event_record(answer(404, "Could not find a matching route"), f, 3).what, poll_answer::kind::error);
  EXPECT_EQ(read_event_record(answer(200, R"({"status":7})"), f, 3).what, poll_answer::kind::error);
  EXPECT_EQ(read_event_record(answer(503, R"({"error":"unavailable"})"), f, 3).what, poll_answer::kind::error);
}

TEST(ApiReplies, ContentComparisonIsByJsonValue) {
  event_factory f("r1", "sim.event", 4);
  // Re-serialized with other key order and the float 2.0 spelled as the integer 2.
  auto record = nlohmann::json::parse(f.event(8).dump());
  ASSERT_EQ(record["data"]["order"]["price"], 2.0);
  record["data"]["order"]["price"] = 2;
  record["status"] = "processed";
  EXPECT_TRUE(f.matches(8, nlohmann::json::parse(record.dump())));
  record["source"] = "";
  EXPECT_FALSE(f.matches(8, record));
  EXPECT_FALSE(f.matches(9, f.event(8)));
}

}  // namespace
}  // namespace eventbed
