#include "gateways/event_parser.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "gateways/event_ids.hpp"
#include "tests/gateways/ingest_expect.hpp"

namespace eventbed {
namespace {

using namespace ingest_test;

// --- CloudEvents structured mode ------------------------------------------------

constexpr std::string_view kFullCloudEvent = R"({
  "specversion": "1.0", "id": "A234-1234-1234", "source": "/mycontext", "type": "com.example.someevent",
  "time": "2018-04-05T17:31:00Z", "subject": "larger-context", "dataschema": "https://x/s.json",
  "datacontenttype": "application/json", "comexampleextension1": "value", "comexampleothervalue": 5,
  "flag": true, "unsetextension": null, "data": {"appinfoA": "abc", "appinfoB": 123}})";

TEST(CloudEvents, StructuredEventWithAllAttributes) {
  auto req = accept(kCloudEvent, kFullCloudEvent);
  ASSERT_EQ(req.events.size(), 1u);
  EXPECT_FALSE(req.batch);
  EXPECT_EQ(client_id_flags(req), std::vector<bool>{true});
  const event& ev = req.events[0];
  EXPECT_EQ(ev.id, "A234-1234-1234");
  EXPECT_EQ(ev.source, "/mycontext");
  EXPECT_EQ(ev.type, "com.example.someevent");
  EXPECT_EQ(ev.data, R"({"appinfoA":"abc","appinfoB":123})");
  EXPECT_FALSE(ev.binary_data);
  EXPECT_TRUE(valid_traceparent(ev.traceparent));
  EXPECT_EQ(ev.datacontenttype, "application/json");
  // Every other attribute, sorted, each value's JSON as sent; a null one is absent.
  EXPECT_EQ(ev.attributes, R"({"comexampleextension1":"value","comexampleothervalue":5,"dataschema":"https://x/s.json",)"
                           R"("flag":true,"subject":"larger-context","time":"2018-04-05T17:31:00Z"})");
}

TEST(CloudEvents, AttributeValuesAreKeptAsWritten) {
  auto req = accept(kCloudEvent, R"({"specversion":"1.0","id":"1","source":"s","type":"t",)"
                                 R"("subject":"caf\u00e9 \"x\"","n":1.50E+2})");
  EXPECT_EQ(req.events.at(0).attributes, R"({"n":1.50E+2,"subject":"caf\u00e9 \"x\""})");
}

TEST(CloudEvents, TraceparentIsTheTraceContextNotAnAttribute) {
  const std::string body = R"({"specversion":"1.0","id":"1","source":"s","type":"t","traceparent":")" +
                           std::string(kTrace) + "\"}";
  const event ev = accept(kCloudEvent, body).events.at(0);
  EXPECT_EQ(ev.traceparent, kTrace);
  EXPECT_EQ(ev.attributes, "");
}

TEST(CloudEvents, DataOfANonJsonMediaTypeIsStillTheJsonValueSent) {
  const event ev = accept(kCloudEvent, R"({"specversion":"1.0","id":"1","source":"s","type":"t",)"
                                       R"("datacontenttype":"text/plain","data":"hello"})")
                       .events.at(0);
  EXPECT_EQ(ev.data, R"("hello")");
  EXPECT_FALSE(ev.binary_data);
  EXPECT_EQ(ev.datacontenttype, "text/plain");
}

TEST(CloudEvents, EachRequiredAttributeIsRequired) {
  for (const char* name : {"specversion", "id", "source", "type"}) {
    nlohmann::json body = {{"specversion", "1.0"}, {"id", "1"}, {"source", "s"}, {"type", "t"}};
    body.erase(name);
    auto e = reject(kCloudEvent, body.dump());
    EXPECT_REJECTED(e, 400, "missing_field");
    EXPECT_TRUE(contains(e.detail, name)) << e.detail;
    body[name] = nullptr;  // null is the same as absent
    EXPECT_REJECTED(reject(kCloudEvent, body.dump()), 400, "missing_field");
  }
}

TEST(CloudEvents, AttributeValuesAreChecked) {
  const char* bodies[] = {
      R"({"specversion":"0.3","id":"1","source":"s","type":"t"})",
      R"({"specversion":1.0,"id":"1","source":"s","type":"t"})",
      R"({"specversion":"1.0","id":"1","source":"","type":"t"})",
      R"({"specversion":"1.0","id":"1","source":"s","type":"t","subject":5})",
      R"({"specversion":"1.0","id":"1","source":"s","type":"t","time":false})",
      R"({"specversion":"1.0","id":"1","source":"s","type":"t","myext":{"a":1}})",
      R"({"specversion":"1.0","id":"1","source":"s","type":"t","myext":[1]})",
  };
  for (const char* body : bodies) EXPECT_REJECTED(reject(kCloudEvent, body), 400, "invalid_field");
  EXPECT_REJECTED(
      reject(kCloudEvent, R"({"specversion":"1.0","id":"a/b","source":"s","type":"t"})"), 400,
      "invalid_id");
}

TEST(CloudEvents, ExtensionNamesMustBeLowercaseAlphanumeric) {
  for (const char* name : {"myExt", "my_ext", "my-ext", "Data", ""}) {
    const std::string body = R"({"specversion":"1.0","id":"1","source":"s","type":"t",")" +
                             std::string(name) + R"(":"v"})";
    EXPECT_REJECTED(reject(kCloudEvent, body), 400, "unknown_field");
  }
}

TEST(CloudEvents, OfSeveralBadMembersTheSmallestKeyDecides) {
  // An extension with a bad name ("Bad") and one with an object value ("ext"):
  // the error must not depend on the members' order in the body.
  const std::string base = R"({"specversion":"1.0","id":"1","source":"s","type":"t",)";
  for (const std::string& body : {base + R"("ext":{},"Bad":1})", base + R"("Bad":1,"ext":{}})"}) {
    auto e = reject(kCloudEvent, body);
    EXPECT_REJECTED(e, 400, "unknown_field");
    EXPECT_TRUE(contains(e.detail, "Bad")) << e.detail;
  }
}

TEST(CloudEvents, DataBase64IsStoredAsItsBytes) {
  auto req = accept(kCloudEvent, R"({"specversion":"1.0","id":"1","source":"s","type":"t",)"
                                 R"("datacontenttype":"application/octet-stream","data_base64":"AP9oaQ=="})");
  const event& ev = req.events.at(0);
  EXPECT_EQ(ev.data, std::string("\x00\xffhi", 4));
  EXPECT_TRUE(ev.binary_data);
  EXPECT_EQ(ev.datacontenttype, "application/octet-stream");
  EXPECT_EQ(accept(kCloudEvent, R"({"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":""})")
                .events.at(0)
                .data,
            "");
  // Bits past the last byte do not matter (RFC 4648 section 3.5): "aGl=" is "hi" too.
  EXPECT_EQ(accept(kCloudEvent, R"({"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":"aGl="})")
                .events.at(0)
                .data,
            "hi");
}

TEST(CloudEvents, DataBase64MustBeBase64AndExclusiveWithData) {
  for (const char* value : {R"("not base64!")", R"("aGVsbG8")", R"("aG=sbG8=")", "5"}) {
    const std::string body =
        R"({"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":)" +
        std::string(value) + "}";
    EXPECT_REJECTED(reject(kCloudEvent, body), 400, "invalid_field");
  }
  EXPECT_REJECTED(
      reject(
          kCloudEvent,
          R"({"specversion":"1.0","id":"1","source":"s","type":"t","data":1,"data_base64":"AA=="})"),
      400, "invalid_field");
}

TEST(CloudEvents, ArrayUnderStructuredModeIsInvalidEvent) {
  EXPECT_REJECTED(
      reject(kCloudEvent, R"([{"specversion":"1.0","id":"1","source":"s","type":"t"}])"), 400,
      "invalid_event");
}

TEST(CloudEvents, BatchMode) {
  auto req = accept(kCloudBatch, R"([
    {"specversion":"1.0","id":"1","source":"s","type":"a","data":[1]},
    {"specversion":"1.0","id":"2","source":"s","type":"b","data_base64":"AA=="}])");
  ASSERT_EQ(req.events.size(), 2u);
  EXPECT_TRUE(req.batch);
  EXPECT_EQ(client_id_flags(req), (std::vector<bool>{true, true}));
  EXPECT_EQ(req.events[0].data, "[1]");
  EXPECT_EQ(req.events[1].id, "2");
  EXPECT_EQ(req.events[1].data, std::string(1, '\0'));
  EXPECT_TRUE(req.events[1].binary_data);
}

TEST(CloudEvents, EmptyBatchIsValidPerSpec) {
  auto req = accept(kCloudBatch, "[]");
  EXPECT_TRUE(req.batch);
  EXPECT_TRUE(req.events.empty());
}

TEST(CloudEvents, BatchNeedsArrayAndNamesFailingIndex) {
  EXPECT_REJECTED(reject(kCloudBatch, R"({"specversion":"1.0","id":"1","source":"s","type":"t"})"),
                  400, "invalid_event");
  auto e = reject(kCloudBatch, R"([{"specversion":"1.0","id":"1","source":"s","type":"t"},
                                   {"id":"2","source":"s","type":"t"}])");
  EXPECT_REJECTED(e, 400, "missing_field");
  EXPECT_EQ(e.detail.rfind("event[1]: ", 0), 0u) << e.detail;
}

// --- trace context -------------------------------------------------------------

std::string with_trace(std::string_view traceparent) {
  return R"({"type":"t","traceparent":")" + std::string(traceparent) + "\"}";
}

TEST(TraceContext, ValidBodyTraceparentIsKeptOverHeader) {
  EXPECT_EQ(accept(kJson, with_trace(kTrace), kOtherTrace).events.at(0).traceparent, kTrace);
}

TEST(TraceContext, HeaderIsUsedForSingleEventWithoutOne) {
  EXPECT_EQ(accept(kJson, R"({"type":"t"})", kTrace).events.at(0).traceparent, kTrace);
  EXPECT_EQ(accept(kJson, with_trace("garbage"), kTrace).events.at(0).traceparent, kTrace);
}

TEST(TraceContext, CloudEventsExtensionFeedsTrace) {
  const std::string body =
      R"({"specversion":"1.0","id":"1","source":"s","type":"t","traceparent":")" +
      std::string(kTrace) + "\"}";
  EXPECT_EQ(accept(kCloudEvent, body, kOtherTrace).events.at(0).traceparent, kTrace);
}

TEST(TraceContext, InvalidIsReplacedNotAnError) {
  const std::string bad = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
  for (const std::string& tp : {bad, std::string("garbage"), std::string()}) {
    auto req = accept(kJson, with_trace(tp), "also-garbage");
    const std::string& got = req.events.at(0).traceparent;
    EXPECT_TRUE(valid_traceparent(got)) << got;
    EXPECT_NE(got, tp);
  }
  EXPECT_TRUE(valid_traceparent(accept(kJson, R"({"type":"t"})").events.at(0).traceparent));
}

TEST(TraceContext, BatchIgnoresHeaderAndGivesEachEventItsOwn) {
  auto req =
      accept(kJson, R"([{"type":"a"},{"type":"b"},)" + with_trace(kOtherTrace) + "]", kTrace);
  ASSERT_EQ(req.events.size(), 3u);
  std::set<std::string> traces;
  for (const event& ev : req.events) {
    EXPECT_TRUE(valid_traceparent(ev.traceparent));
    EXPECT_NE(ev.traceparent, kTrace);
    traces.insert(ev.traceparent);
  }
  EXPECT_EQ(traces.size(), 3u);
  EXPECT_EQ(req.events[2].traceparent, kOtherTrace);
}

}  // namespace
}  // namespace eventbed
