// What a forwarding hop sends downstream: the body and the continued trace.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/pipeline/handlers/builtin.hpp"
#include "actors/pipeline/handlers/forwarder.hpp"

using namespace eventbed;

namespace {

event sample() {
  event ev;
  ev.id = "ord-1";
  ev.type = "order.created";
  ev.source = "/shop \"eu\"";
  ev.data = R"({"sku":"A-1","qty":3})";
  ev.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return ev;
}

TEST(ForwarderTest, TheBodyIsThePlainFormWithTheSameIdAndData) {
  auto body = nlohmann::json::parse(forward_body(sample()));
  EXPECT_EQ(body["id"], "ord-1");
  EXPECT_EQ(body["type"], "order.created");
  EXPECT_EQ(body["source"], "/shop \"eu\"");
  EXPECT_EQ(body["data"], nlohmann::json::parse(sample().data));
  EXPECT_EQ(body["traceparent"], next_hop_traceparent(sample()));
}

TEST(ForwarderTest, TheTraceContinuesWithANewParentThatARetryRepeats) {
  auto next = next_hop_traceparent(sample());
  ASSERT_EQ(next.size(), 55u);
  EXPECT_EQ(next.substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_NE(next.substr(36, 16), "00f067aa0ba902b7");
  EXPECT_EQ(next.substr(52), "-01");
  EXPECT_EQ(next, next_hop_traceparent(sample())) << "deterministic: a retry sends the same";
  auto other = sample();
  other.id = "ord-2";
  EXPECT_NE(next_hop_traceparent(other), next);
  other.traceparent = "not a traceparent";
  EXPECT_EQ(next_hop_traceparent(other), "");
  EXPECT_EQ(nlohmann::json::parse(forward_body(other)).count("traceparent"), 0u);
}

TEST(ForwarderTest, WrappingForwardsOnlyWhatTheHandlerProcessed) {
  auto handlers = builtin_handlers();
  forward_settings s;
  s.url = "http://127.0.0.1:1";  // nothing listens: a forward would fail
  s.tries = 1;
  s.types = {"order.created"};
  forward_processed(handlers, s);
  auto ev = sample();
  ev.type = "eventbed.reject";
  EXPECT_EQ(handlers.handle(ev).outcome, handler_result::kind::failed) << "not forwarded: the handler failed it";
  ev.type = "order.paid";
  EXPECT_EQ(handlers.handle(ev).outcome, handler_result::kind::processed) << "not a forwarded type";
  ev.type = "order.created";
  auto res = handlers.handle(ev);
  EXPECT_EQ(res.outcome, handler_result::kind::retry);
  EXPECT_NE(res.detail.find("forward to http://127.0.0.1:1/ingest failed after 1 tries: connect"),
            std::string::npos) << res.detail;
  ev.binary_data = true;
  EXPECT_EQ(handlers.handle(ev).outcome, handler_result::kind::failed);
}

}  // namespace
