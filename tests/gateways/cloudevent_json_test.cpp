#include "gateways/cloudevent_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace eventbed {
namespace {

using json = nlohmann::json;

event_record stored(const std::string& data) {
  event_record rec;
  rec.id = "A234-1234-1234";
  rec.type = "com.example.someevent";
  rec.source = "/mycontext";
  rec.data = data;
  rec.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  rec.status = "processed";
  return rec;
}

TEST(CloudEventJson, CarriesEveryStoredAttributeAndJsonData) {
  event_record rec = stored(R"({"b":[1,2.50],"a":"x"})");
  rec.datacontenttype = "application/json";
  rec.attributes = R"({"comexampleothervalue":5,"subject":"caf\u00e9","time":"2018-04-05T17:31:00Z"})";
  // Spliced in as stored: key order and number spelling are the client's.
  EXPECT_EQ(cloudevent_json(rec),
            R"({"specversion":"1.0","id":"A234-1234-1234","source":"/mycontext","type":"com.example.someevent",)"
            R"("datacontenttype":"application/json","comexampleothervalue":5,"subject":"caf\u00e9",)"
            R"("time":"2018-04-05T17:31:00Z","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",)"
            R"("data":{"b":[1,2.50],"a":"x"}})");
}

TEST(CloudEventJson, NonJsonDataIsDataBase64) {
  event_record rec = stored(std::string("\x00\xffhi", 4));
  rec.binary_data = true;
  rec.datacontenttype = "application/octet-stream";
  const json ce = json::parse(cloudevent_json(rec));
  EXPECT_EQ(ce["data_base64"], "AP9oaQ==");
  EXPECT_EQ(ce["datacontenttype"], "application/octet-stream");
  EXPECT_FALSE(ce.contains("data"));
  rec.data.clear();
  EXPECT_EQ(json::parse(cloudevent_json(rec))["data_base64"], "");
}

TEST(CloudEventJson, NoDataNoDataMember) {
  const json ce = json::parse(cloudevent_json(stored("null")));
  EXPECT_FALSE(ce.contains("data"));
  EXPECT_FALSE(ce.contains("data_base64"));
  EXPECT_FALSE(ce.contains("datacontenttype"));
}

TEST(CloudEventJson, APlainEventWithoutSourceGetsOne) {
  event_record rec = stored("1");
  rec.source.clear();
  const json ce = json::parse(cloudevent_json(rec));
  EXPECT_EQ(ce["source"], std::string(kNoSource));
  EXPECT_EQ(ce["specversion"], "1.0");
  EXPECT_EQ(ce["data"], 1);
}

TEST(CloudEventJson, StringsAreEscapedAndStoredTextNeverBreaksTheJson) {
  event_record rec = stored("not json");
  rec.source = "a\"b\\c\n\xff";
  rec.attributes = "{broken";
  const json ce = json::parse(cloudevent_json(rec));
  EXPECT_EQ(ce["source"], "a\"b\\c\n\xef\xbf\xbd");  // a byte that is not UTF-8 becomes U+FFFD
  EXPECT_EQ(ce["data"], "not json");
  EXPECT_EQ(ce.size(), 6u);  // the broken attributes are left out
}

TEST(AcceptsCloudEvent, OnlyWhenNamedAndNotOutranked) {
  for (const char* accept : {"application/cloudevents+json", "Application/CloudEvents+JSON",
                             "application/cloudevents+json; charset=utf-8",
                             "text/html, application/cloudevents+json;q=0.9, */*;q=0.1",
                             "application/json;q=0.5, application/cloudevents+json",
                             "application/json, application/cloudevents+json"}) {
    EXPECT_TRUE(accepts_cloudevent(accept)) << accept;
  }
  for (const char* accept : {"", "*/*", "application/*", "application/json", "application/cloudevents+json;q=0",
                             "application/cloudevents+json;q=0.5, application/json",
                             "application/cloudevents+json;q=2", "application/cloudevents+json;q=x",
                             "application/cloudevents-batch+json"}) {
    EXPECT_FALSE(accepts_cloudevent(accept)) << accept;
  }
}

}  // namespace
}  // namespace eventbed
