// What a forwarding hop sends downstream: the body and the continued trace.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

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

// The processing span's context, the one the handler is given.
const std::string kProcessing = "00-4bf92f3577b34da6a3ce929d0e0e4736-a3ce929d0e0e4736-01";

TEST(ForwarderTest, TheBodyIsThePlainFormWithTheSameIdAndData) {
  auto req = next_hop_request(sample(), kProcessing);
  EXPECT_EQ(req.content_type, "application/json");
  auto body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body.size(), 5u) << req.body;
  EXPECT_EQ(body["id"], "ord-1");
  EXPECT_EQ(body["type"], "order.created");
  EXPECT_EQ(body["source"], "/shop \"eu\"");
  EXPECT_EQ(body["data"], nlohmann::json::parse(sample().data));
  EXPECT_EQ(body["traceparent"], kProcessing);
}

TEST(ForwarderTest, TheTraceContinuesWithTheContextTheHandlerWasGivenAndOnlyAValidOne) {
  auto body = [](std::string_view traceparent) {
    return nlohmann::json::parse(next_hop_request(sample(), traceparent).body);
  };
  EXPECT_EQ(body(kProcessing)["traceparent"], kProcessing) << "not the event's own";
  EXPECT_EQ(next_hop_request(sample(), kProcessing).traceparent, kProcessing) << "the header too";
  EXPECT_EQ(next_hop_request(sample(), "not a traceparent").traceparent, "");
  const std::string unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
  EXPECT_EQ(body(unsampled)["traceparent"], unsampled);
  for (std::string_view bad : {"", "not a traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"})
    EXPECT_EQ(body(bad).count("traceparent"), 0u) << bad;
}

TEST(ForwarderTest, AnEventWithCloudEventsAttributesGoesOnAsAStructuredCloudEventWithAllOfThem) {
  auto ev = sample();
  ev.datacontenttype = "application/json";
  ev.attributes = R"({"partitionkey":"eu-1","sequence":7,"sampled":true,"time":"2026-12-07T06:00:00Z"})";
  auto req = next_hop_request(ev, kProcessing);
  EXPECT_EQ(req.content_type, "application/cloudevents+json");
  auto body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body["specversion"], "1.0");
  EXPECT_EQ(body["id"], "ord-1");
  EXPECT_EQ(body["type"], "order.created");
  EXPECT_EQ(body["source"], "/shop \"eu\"");
  EXPECT_EQ(body["datacontenttype"], "application/json");
  EXPECT_EQ(body["partitionkey"], "eu-1");
  EXPECT_EQ(body["sequence"], 7) << "each value keeps its JSON type";
  EXPECT_EQ(body["sampled"], true);
  EXPECT_EQ(body["time"], "2026-12-07T06:00:00Z");
  EXPECT_EQ(body["traceparent"], kProcessing);
  EXPECT_EQ(body["data"], nlohmann::json::parse(ev.data));
  EXPECT_EQ(body.size(), 11u) << req.body;
  EXPECT_NE(req.body.find(R"("sequence":7,"sampled":true)"), std::string::npos) << "as stored: " << req.body;

  ev.attributes.clear();  // a datacontenttype alone is a CloudEvents attribute too
  EXPECT_EQ(next_hop_request(ev, kProcessing).content_type, "application/cloudevents+json");
  ev.data = "null";
  EXPECT_EQ(nlohmann::json::parse(next_hop_request(ev, kProcessing).body).count("data"), 0u) << "null data is absent data";
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
  EXPECT_EQ(handlers.handle(ev, kProcessing).outcome, handler_result::kind::failed) << "not forwarded: the handler failed it";
  ev.type = "order.paid";
  EXPECT_EQ(handlers.handle(ev, kProcessing).outcome, handler_result::kind::processed) << "not a forwarded type";
  ev.type = "order.created";
  auto res = handlers.handle(ev, kProcessing);
  EXPECT_EQ(res.outcome, handler_result::kind::retry);
  EXPECT_NE(res.detail.find("forward to http://127.0.0.1:1/ingest failed after 1 tries: connect"),
            std::string::npos) << res.detail;
  ev.binary_data = true;
  EXPECT_EQ(handlers.handle(ev, kProcessing).outcome, handler_result::kind::failed);
  ev.binary_data = false;
  ev.attributes = R"(["not","an","object"])";
  res = handlers.handle(ev, kProcessing);
  EXPECT_EQ(res.outcome, handler_result::kind::failed) << "fails at once, without a try";
  EXPECT_NE(res.detail.find("attributes are not a JSON object"), std::string::npos) << res.detail;
}

}  // namespace
