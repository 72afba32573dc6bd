// CloudEvents HTTP binary content mode: the attributes in ce- headers, the
// data in the body (gateways/event_parser.hpp).
#include "gateways/event_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gateways/event_ids.hpp"
#include "tests/gateways/ingest_expect.hpp"
#include "tests/support/same_event.hpp"

namespace eventbed {
namespace {

using namespace ingest_test;

// The four required attributes, as the CloudEvents SDKs send them.
http_header_list required(const std::string& id = "A234-1234-1234") {
  return {{"ce-specversion", "1.0"}, {"ce-id", id}, {"ce-source", "/mycontext"}, {"ce-type", "com.example.someevent"}};
}

http_header_list with(http_header_list headers, const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
  return headers;
}

http_header_list without(http_header_list headers, const std::string& name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(), [&](const auto& h) { return h.first == name; }),
                headers.end());
  return headers;
}

ingest_request accept_binary(const http_header_list& headers, std::string_view content_type,
                             std::string_view body, std::string_view traceparent = "",
                             const ingest_limits& limits = {}) {
  auto result = parse_ingest(content_type, body, traceparent, limits, headers);
  if (auto* error = std::get_if<ingest_error>(&result)) {
    ADD_FAILURE() << "rejected: " << error->error << ": " << error->detail;
    return {};
  }
  return std::get<ingest_request>(std::move(result));
}

// The one event of an accepted binary-mode request.
event binary_event(const http_header_list& headers, std::string_view content_type, std::string_view body,
                   std::string_view traceparent = "") {
  auto req = accept_binary(headers, content_type, body, traceparent);
  if (req.events.size() != 1) {
    ADD_FAILURE() << "expected one event, got " << req.events.size();
    return {};
  }
  EXPECT_FALSE(req.batch);
  return req.events[0];
}

ingest_error reject_binary(const http_header_list& headers, std::string_view content_type,
                           std::string_view body, const ingest_limits& limits = {}) {
  auto result = parse_ingest(content_type, body, "", limits, headers);
  if (!std::holds_alternative<ingest_error>(result)) {
    ADD_FAILURE() << "accepted";
    return {};
  }
  return std::get<ingest_error>(std::move(result));
}

// The attributes of a request with one more header, or the error it gets.
std::string attributes_with(const std::string& name, const std::string& value) {
  return binary_event(with(required(), name, value), "", "").attributes;
}
ingest_error rejected_with(const std::string& name, const std::string& value) {
  return reject_binary(with(required(), name, value), "", "");
}

// --- what a binary-mode request becomes ------------------------------------------

TEST(BinaryMode, RequiredAttributesAndJsonData) {
  auto req = accept_binary(required(), "application/json", "{\n  \"appinfoA\" : \"abc\", \"n\": 1.50\n}");
  ASSERT_EQ(req.events.size(), 1u);
  EXPECT_EQ(client_id_flags(req), std::vector<bool>{true});
  const event& ev = req.events[0];
  EXPECT_EQ(ev.id, "A234-1234-1234");
  EXPECT_EQ(ev.source, "/mycontext");
  EXPECT_EQ(ev.type, "com.example.someevent");
  EXPECT_EQ(ev.data, R"({"appinfoA":"abc","n":1.50})");  // stored like structured `data`
  EXPECT_FALSE(ev.binary_data);
  EXPECT_EQ(ev.datacontenttype, "application/json");
  EXPECT_EQ(ev.attributes, "");
  EXPECT_TRUE(valid_traceparent(ev.traceparent));
}

TEST(BinaryMode, OptionalAttributesAndExtensionsAreKeptSortedAsJsonStrings) {
  http_header_list headers = required();
  headers.insert(headers.end(), {{"ce-time", "2018-04-05T17:31:00Z"},
                                 {"ce-subject", "larger-context"},
                                 {"ce-dataschema", "https://example.com/s.json"},
                                 {"ce-comexampleextension1", "value"},
                                 {"ce-comexampleothervalue", "5"}});
  const event ev = binary_event(headers, "application/json", "1");
  EXPECT_EQ(ev.attributes,
            R"({"comexampleextension1":"value","comexampleothervalue":"5",)"
            R"("dataschema":"https://example.com/s.json","subject":"larger-context","time":"2018-04-05T17:31:00Z"})");
}

TEST(BinaryMode, SameEventAsInStructuredMode) {
  // Extensions as strings: binary mode has no other type for them.
  const std::string structured =
      R"({"specversion":"1.0","id":"A234-1234-1234","source":"/mycontext","type":"com.example.someevent",)"
      R"("subject":"s","myext":"v","datacontenttype":"application/json","data":{"a":[1,2]}})";
  const event a = accept(kCloudEvent, structured).events.at(0);
  event b =
      binary_event(with(with(required(), "ce-myext", "v"), "ce-subject", "s"), "application/json", R"({"a": [1, 2]})");
  b.traceparent = a.traceparent;  // each request without one starts its own trace
  expect_same_event(b, a);
}

TEST(BinaryMode, HeaderNamesAreCaseInsensitive) {
  const event ev = binary_event({{"CE-SpecVersion", "1.0"}, {"Ce-Id", "x-1"}, {"ce-SOURCE", "/s"},
                                 {"CE-TYPE", "t"}, {"Ce-MyExt", "v"}},
                                "", "");
  EXPECT_EQ(ev.id, "x-1");
  EXPECT_EQ(ev.source, "/s");
  EXPECT_EQ(ev.type, "t");
  EXPECT_EQ(ev.attributes, R"({"myext":"v"})");
}

TEST(BinaryMode, OtherHeadersAreNotAttributes) {
  http_header_list headers = required();
  headers.insert(headers.end(), {{"Host", "x"}, {"User-Agent", "y"}, {"cex-id", "z"}, {"c-e", "w"}});
  EXPECT_EQ(binary_event(headers, "", "").attributes, "");
}

// --- which requests are binary mode ------------------------------------------------

TEST(BinaryModeDetection, AnyCeHeaderWithAnyOtherContentType) {
  for (const char* type : {"application/json", "text/plain", "", "application/octet-stream",
                           "application/cloudevents+avro", "application/x-www-form-urlencoded"}) {
    auto req = accept_binary(required(), type, "");
    ASSERT_EQ(req.events.size(), 1u) << type;
    EXPECT_EQ(req.events[0].datacontenttype, type) << type;
  }
  // One ce- header is enough to make it binary mode: then the others are missing.
  EXPECT_REJECTED(reject_binary({{"ce-id", "1"}}, "application/json", R"({"type":"t"})"), 400, "missing_field");
}

TEST(BinaryModeDetection, CloudEventsMediaTypesChooseStructuredAndBatchMode) {
  const std::string body = R"({"specversion":"1.0","id":"s-1","source":"/s","type":"t"})";
  EXPECT_EQ(accept_binary(required(), "application/cloudevents+json", body).events.at(0).id, "s-1");
  EXPECT_EQ(accept_binary(required(), "application/cloudevents-batch+json", "[" + body + "]").events.at(0).id,
            "s-1");
}

TEST(BinaryModeDetection, WithoutCeHeadersTheMediaTypeRules) {
  EXPECT_REJECTED(reject_binary({{"traceparent", std::string(kTrace)}}, "text/plain", "x"), 415,
                  "unsupported_media_type");
  EXPECT_EQ(accept_binary({{"Accept", "*/*"}}, "application/json", R"({"type":"t"})").events.size(), 1u);
}

// --- the same rules as structured mode -------------------------------------------

TEST(BinaryModeRules, EachRequiredAttributeIsRequired) {
  for (const char* name : {"ce-specversion", "ce-id", "ce-source", "ce-type"}) {
    auto e = reject_binary(without(required(), name), "application/json", "{}");
    EXPECT_REJECTED(e, 400, "missing_field");
    EXPECT_TRUE(contains(e.detail, "header \"" + std::string(name) + "\"")) << e.detail;
  }
}

TEST(BinaryModeRules, AttributeValuesAreChecked) {
  EXPECT_REJECTED(reject_binary(with(without(required(), "ce-specversion"), "ce-specversion", "0.3"), "", ""), 400,
                  "invalid_field");
  EXPECT_REJECTED(reject_binary(with(without(required(), "ce-source"), "ce-source", ""), "", ""), 400,
                  "invalid_field");
  for (const char* type : {"", "a b", "t;x"}) {
    EXPECT_REJECTED(reject_binary(with(without(required(), "ce-type"), "ce-type", type), "", ""), 400,
                    "invalid_field");
  }
  for (const char* id : {"", "a/b", "..", "x y"}) {
    EXPECT_REJECTED(reject_binary(required(id), "", ""), 400, "invalid_id");
  }
}

TEST(BinaryModeRules, LengthLimitsApply) {
  ingest_limits limits;
  limits.max_id_length = 8;
  limits.max_source_length = 10;
  limits.max_type_length = 5;
  EXPECT_REJECTED(reject_binary(required("123456789"), "", "", limits), 400, "invalid_id");
  auto source = reject_binary(with(without(required("1"), "ce-source"), "ce-source", "/elevenchar"), "", "", limits);
  EXPECT_REJECTED(source, 400, "invalid_field");
  EXPECT_TRUE(contains(source.detail, "ce-source")) << source.detail;
  limits.max_source_length = 1024;
  auto type = reject_binary(required("1"), "", "", limits);  // com.example.someevent: 21
  EXPECT_REJECTED(type, 400, "invalid_field");
  EXPECT_TRUE(contains(type.detail, "ce-type")) << type.detail;
}

TEST(BinaryModeRules, BodyOverTheLimitIs413) {
  ingest_limits limits;
  limits.max_body_bytes = 4;
  EXPECT_REJECTED(reject_binary(required(), "application/octet-stream", "12345", limits), 413, "body_too_large");
  EXPECT_EQ(accept_binary(required(), "application/octet-stream", "1234", "", limits).events.at(0).data, "1234");
}

TEST(BinaryModeRules, HeadersThatAreNotAttributesAreUnknownFields) {
  for (const char* name : {"ce-datacontenttype", "ce-data", "ce-data_base64", "ce-my_ext", "ce-my.ext", "ce-"}) {
    auto e = rejected_with(name, "x");
    EXPECT_REJECTED(e, 400, "unknown_field");
    EXPECT_TRUE(contains(e.detail, name)) << e.detail;
  }
}

TEST(BinaryModeRules, RepeatedHeaderIsDuplicateKey) {
  EXPECT_REJECTED(reject_binary(with(required(), "CE-ID", "other"), "", ""), 400, "duplicate_key");
}

TEST(BinaryModeRules, OfSeveralBadHeadersTheSmallestNameDecides) {
  http_header_list bad = {{"ce-zz", "%"}, {"ce-a_b", "1"}};
  for (int order = 0; order < 2; ++order) {
    http_header_list headers = required();
    headers.insert(headers.end(), bad.begin(), bad.end());
    auto e = reject_binary(headers, "", "");
    EXPECT_REJECTED(e, 400, "unknown_field");
    EXPECT_TRUE(contains(e.detail, "ce-a_b")) << e.detail;
    std::reverse(bad.begin(), bad.end());
  }
}

// --- header values: HTTP binding section 3.1.3.2 -----------------------------------

TEST(BinaryModeValues, PercentEncodingIsDecoded) {
  // The binding's own example, and lowercase hex digits.
  EXPECT_EQ(attributes_with("ce-subject", "Euro%20%E2%82%AC%20%F0%9F%98%80"), "{\"subject\":\"Euro \u20ac \U0001F600\"}");
  EXPECT_EQ(attributes_with("ce-subject", "%e2%82%ac"), "{\"subject\":\"\u20ac\"}");
  EXPECT_EQ(attributes_with("ce-subject", "%41%2d%25"), R"({"subject":"A-%"})");  // needlessly encoded
  EXPECT_EQ(binary_event(required("ord%2D1"), "", "").id, "ord-1");
  // Decoded characters JSON needs escaped stay valid JSON.
  EXPECT_EQ(attributes_with("ce-subject", "a%22b%5Cc%0Ad"), R"({"subject":"a\"b\\c\u000ad"})");
}

TEST(BinaryModeValues, QuotedStringsAreUnquotedFirst) {
  EXPECT_EQ(attributes_with("ce-subject", R"("hello \"world\"")"), R"({"subject":"hello \"world\""})");
  EXPECT_EQ(attributes_with("ce-subject", R"("a%20b")"), R"({"subject":"a b"})");
  EXPECT_EQ(attributes_with("ce-subject", R"("")"), R"({"subject":""})");
  EXPECT_EQ(attributes_with("ce-subject", "  spaced out\t"), R"({"subject":"spaced out"})");
  EXPECT_EQ(attributes_with("ce-subject", "a\"b"), R"({"subject":"a\"b"})");  // not a quoted string
}

TEST(BinaryModeValues, BadEncodingsAreInvalidFields) {
  for (const char* value : {"%C0%A0", "%ff", "%ED%A0%80", "%E2%82", "50%", "%4", "%zz", "%%", R"("unterminated)",
                            R"("quoted" then more)", R"("ends in a backslash\")"}) {
    auto e = rejected_with("ce-subject", value);
    EXPECT_REJECTED(e, 400, "invalid_field");
    EXPECT_TRUE(contains(e.detail, "ce-subject")) << e.detail;
  }
  EXPECT_REJECTED(reject_binary(required("%C0%A0"), "", ""), 400, "invalid_field");
}

// --- the data ------------------------------------------------------------------------

TEST(BinaryModeData, NonJsonIsKeptByteForByteWithItsMediaType) {
  const event text = binary_event(required(), "text/plain; charset=us-ascii", "hello\r\n");
  EXPECT_EQ(text.data, "hello\r\n");
  EXPECT_TRUE(text.binary_data);
  EXPECT_EQ(text.datacontenttype, "text/plain; charset=us-ascii");

  const std::string bytes("\x00\xff\xfe{\"not\": json}\x80", 17);
  const event raw = binary_event(required(), " application/octet-stream ", bytes);
  EXPECT_EQ(raw.data, bytes);
  EXPECT_TRUE(raw.binary_data);
  EXPECT_EQ(raw.datacontenttype, "application/octet-stream");
}

TEST(BinaryModeData, WithoutContentTypeTheBodyIsBytesOfNoMediaType) {
  const event ev = binary_event(required(), "", R"({"a":1})");
  EXPECT_EQ(ev.data, R"({"a":1})");
  EXPECT_TRUE(ev.binary_data);
  EXPECT_EQ(ev.datacontenttype, "");
}

TEST(BinaryModeData, EmptyBodyIsNoData) {
  for (const char* type : {"", "application/json", "text/plain"}) {
    const event ev = binary_event(required(), type, "");
    EXPECT_EQ(ev.data, "null") << type;
    EXPECT_FALSE(ev.binary_data) << type;
  }
}

TEST(BinaryModeData, EveryJsonMediaTypeIsReadAsJson) {
  for (const char* type : {"application/json", "application/json; charset=utf-8", "text/json",
                           "application/vnd.example+json", "application/json-seq"}) {
    const event ev = binary_event(required(), type, R"( ["x", {"b" : null}] )");
    const bool json = std::string(type) != "application/json-seq";
    EXPECT_EQ(ev.binary_data, !json) << type;
    if (json) EXPECT_EQ(ev.data, R"(["x",{"b":null}])") << type;
  }
  EXPECT_EQ(binary_event(required(), "application/json", R"("just a string")").data, R"("just a string")");
}

TEST(BinaryModeData, JsonDataIsCheckedLikeAnyJsonBody) {
  EXPECT_REJECTED(reject_binary(required(), "application/json", "hello"), 400, "invalid_json");
  EXPECT_REJECTED(reject_binary(required(), "application/json", R"({"a":1,"a":2})"), 400, "duplicate_key");
  ingest_limits limits;
  limits.max_depth = 3;
  EXPECT_REJECTED(reject_binary(required(), "application/json", "[[[[1]]]]", limits), 400, "nesting_too_deep");
  EXPECT_REJECTED(reject_binary(required(), "application/json; charset=latin1", "1"), 415,
                  "unsupported_media_type");
  // A non-JSON charset is the data's own business.
  EXPECT_TRUE(binary_event(required(), "text/plain; charset=latin1", "caf\xe9").binary_data);
}

TEST(BinaryModeData, ContentTypeMustBeUtf8) {
  EXPECT_REJECTED(reject_binary(required(), "text/plain; name=caf\xe9", "x"), 400, "invalid_field");
}

// --- trace context ---------------------------------------------------------------------

TEST(BinaryModeTrace, CeTraceparentIsTheEventsOwnAndWinsOverTheHttpHeader) {
  const event ev = binary_event(with(required(), "ce-traceparent", std::string(kTrace)), "", "", kOtherTrace);
  EXPECT_EQ(ev.traceparent, kTrace);
  EXPECT_EQ(ev.attributes, "") << "traceparent is the event's trace context, not an attribute";
}

TEST(BinaryModeTrace, HttpHeaderServesWhenTheEventHasNoValidOne) {
  EXPECT_EQ(binary_event(required(), "", "", kTrace).traceparent, kTrace);
  EXPECT_EQ(binary_event(with(required(), "ce-traceparent", "garbage"), "", "", kTrace).traceparent, kTrace);
  const event fresh = binary_event(with(required(), "ce-traceparent", "garbage"), "", "");
  EXPECT_TRUE(valid_traceparent(fresh.traceparent));
}

}  // namespace
}  // namespace eventbed
