#include "gateways/event_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "gateways/event_ids.hpp"
#include "tests/gateways/ingest_expect.hpp"

namespace eventbed {
namespace {

using namespace ingest_test;

// --- application/json ---------------------------------------------------------

TEST(PlainJson, SingleEventWithAllFields) {
  const std::string body = R"({"id": "order-1", "type": "order.created", "source": "shop",
                               "data": {"b": [1, 2.5, "x"], "a": null}, "traceparent": ")" +
                           std::string(kTrace) + "\"}";
  auto req = accept(kJson, body);
  ASSERT_EQ(req.events.size(), 1u);
  EXPECT_FALSE(req.batch);
  EXPECT_EQ(client_id_flags(req), std::vector<bool>{true});
  const event& ev = req.events[0];
  EXPECT_EQ(ev.id, "order-1");
  EXPECT_EQ(ev.type, "order.created");
  EXPECT_EQ(ev.source, "shop");
  EXPECT_EQ(ev.data, R"({"b":[1,2.5,"x"],"a":null})");  // body order, whitespace dropped
  EXPECT_EQ(ev.traceparent, kTrace);
}

TEST(PlainJson, MinimalEventGetsGeneratedIdNullDataAndTrace) {
  auto req = accept(kJson, R"({"type":"t"})");
  ASSERT_EQ(req.events.size(), 1u);
  EXPECT_EQ(client_id_flags(req), std::vector<bool>{false});
  const event& ev = req.events[0];
  EXPECT_EQ(ev.id.size(), 36u);
  EXPECT_EQ(ev.id[14], '7');
  EXPECT_EQ(ev.source, "");
  EXPECT_EQ(ev.data, "null");
  EXPECT_TRUE(valid_traceparent(ev.traceparent));
}

TEST(PlainJson, ScalarDataIsStoredAsJsonText) {
  EXPECT_EQ(accept(kJson, R"({"type":"t","data":"x"})").events.at(0).data, R"("x")");
  EXPECT_EQ(accept(kJson, R"({"type":"t","data":1.5})").events.at(0).data, "1.5");
  EXPECT_EQ(accept(kJson, R"({"type":"t","data":false})").events.at(0).data, "false");
  // Escapes and number spelling stay as the client wrote them.
  EXPECT_EQ(accept(kJson, R"({"type":"t","data":"\u00e9\n"})").events.at(0).data,
            R"("\u00e9\n")");
  EXPECT_EQ(accept(kJson, R"({"type":"t","data":1.50E+2})").events.at(0).data, "1.50E+2");
}

TEST(PlainJson, DataKeepsOrderAndDropsOnlyWhitespace) {
  const std::string data = accept(kJson, "{\"type\":\"t\",\"data\": {\n  \"z\" : [ 1 , \"a b\" ],"
                                         "\t\"a\" : { } }\r\n}")
                               .events.at(0)
                               .data;
  EXPECT_EQ(data, R"({"z":[1,"a b"],"a":{}})");
}

TEST(PlainJson, NullMembersCountAsAbsent) {
  auto req =
      accept(kJson, R"({"type":"t","id":null,"source":null,"data":null,"traceparent":null})");
  ASSERT_EQ(req.events.size(), 1u);
  EXPECT_EQ(client_id_flags(req), std::vector<bool>{false});
  EXPECT_EQ(req.events[0].id.size(), 36u);
  EXPECT_EQ(req.events[0].data, "null");
}

TEST(PlainJson, ArrayIsBatchInOrder) {
  auto req = accept(kJson, R"([{"type":"a","id":"x1"},{"type":"b"},{"type":"c","id":"x3"}])");
  ASSERT_EQ(req.events.size(), 3u);
  EXPECT_TRUE(req.batch);
  EXPECT_EQ(client_id_flags(req), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(req.events[0].type, "a");
  EXPECT_EQ(req.events[1].type, "b");
  EXPECT_EQ(req.events[2].id, "x3");
  EXPECT_LT(req.events[0].id, "z");
}

TEST(PlainJson, OneElementArrayIsStillBatch) {
  EXPECT_TRUE(accept(kJson, R"([{"type":"a"}])").batch);
}

TEST(PlainJson, UnknownFieldIsNamed) {
  auto e = reject(kJson, R"({"type":"t","tpye":"x"})");
  EXPECT_REJECTED(e, 400, "unknown_field");
  EXPECT_TRUE(contains(e.detail, "tpye")) << e.detail;
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","extra":null})"), 400, "unknown_field");
}

TEST(PlainJson, CloudEventsAttributeHintsAtMediaType) {
  auto e = reject(kJson, R"({"type":"t","specversion":"1.0"})");
  EXPECT_REJECTED(e, 400, "unknown_field");
  EXPECT_TRUE(contains(e.detail, "application/cloudevents+json")) << e.detail;
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","data_base64":"AA=="})"), 400, "unknown_field");
}

TEST(PlainJson, EmptySourceIsAllowed) {
  EXPECT_EQ(accept(kJson, R"({"type":"t","source":""})").events.at(0).source, "");
}

// --- type ---------------------------------------------------------------------

TEST(TypeRule, MissingOrNullIsMissingField) {
  EXPECT_REJECTED(reject(kJson, R"({"data":1})"), 400, "missing_field");
  EXPECT_REJECTED(reject(kJson, R"({"type":null})"), 400, "missing_field");
}

TEST(TypeRule, EmptyNonStringOrBadCharactersIsInvalidField) {
  for (const char* body : {R"({"type":""})", R"({"type":42})", R"({"type":["a"]})",
                           R"({"type":"a b"})", R"({"type":"a;b"})", R"({"type":"caf\u00e9"})",
                           R"({"type":"a\u0000b"})", R"({"type":"a?b"})"}) {
    EXPECT_REJECTED(reject(kJson, body), 400, "invalid_field");
  }
}

TEST(TypeRule, AllowedCharactersAndLengthLimit) {
  EXPECT_EQ(accept(kJson, R"({"type":"com.Example/order_created:v1-2"})").events.at(0).type,
            "com.Example/order_created:v1-2");
  ingest_limits limits;
  limits.max_type_length = 5;
  accept(kJson, R"({"type":"abcde"})", "", limits);
  EXPECT_REJECTED(reject(kJson, R"({"type":"abcdef"})", limits), 400, "invalid_field");
}

// --- id -----------------------------------------------------------------------

TEST(IdRule, AllowedCharactersAreKept) {
  auto req = accept(kJson, R"({"type":"t","id":"Order-1.2_x:Y"})");
  EXPECT_EQ(req.events.at(0).id, "Order-1.2_x:Y");
  EXPECT_EQ(client_id_flags(req), std::vector<bool>{true});
}

TEST(IdRule, TraversalInjectionAndOddCharactersAreRejected) {
  for (const char* id : {R"(../etc/passwd)", R"(a/b)", R"(a\\b)", "a b", "a%2fb", "<script>",
                         "a\\u0000b", "a\\nb", "caf\\u00e9", "\\\"x", "a*", "{x}", ".", ".."}) {
    const std::string body = std::string(R"({"type":"t","id":")") + id + "\"}";
    EXPECT_REJECTED(reject(kJson, body), 400, "invalid_id");
  }
}

TEST(IdRule, EmptyNonStringAndTooLongAreRejected) {
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","id":""})"), 400, "invalid_id");
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","id":42})"), 400, "invalid_id");
  ingest_limits limits;
  const std::string at_limit(limits.max_id_length, 'a');
  accept(kJson, R"({"type":"t","id":")" + at_limit + "\"}");
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","id":")" + at_limit + "a\"}"), 400, "invalid_id");
}

// --- source, traceparent types ------------------------------------------------

TEST(SourceRule, NonStringAndTooLongAreInvalidField) {
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","source":1})"), 400, "invalid_field");
  ingest_limits limits;
  limits.max_source_length = 4;
  accept(kJson, R"({"type":"t","source":"abcd"})", "", limits);
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","source":"abcde"})", limits), 400, "invalid_field");
}

TEST(TraceRule, NonStringTraceparentIsInvalidField) {
  EXPECT_REJECTED(reject(kJson, R"({"type":"t","traceparent":1})"), 400, "invalid_field");
}

// --- malformed JSON -----------------------------------------------------------

TEST(MalformedJson, IsInvalidJsonWithPosition) {
  for (const char* body : {"", "   ", R"({"type":"a")", R"({type:"a"})", R"({"type":"a"} x)",
                           R"({"type":"a",})", R"([{"type":"a"})", "{\"type\":\"a\xff\"}",
                           R"({"type":"\ud800"})", "{\"type\":\"a\x01\"}", R"({"data":1e999})"}) {
    const ingest_error e = reject(kJson, body);
    EXPECT_REJECTED(e, 400, "invalid_json");
    EXPECT_TRUE(contains(e.detail, "parse error") || contains(e.detail, "overflow")) << e.detail;
  }
  EXPECT_TRUE(contains(reject(kJson, R"({"type":"a")").detail, "column 12"));
}

TEST(MalformedJson, ByteOrderMarkAndWhatFollowsANulAreIgnoredAsBefore) {
  // nlohmann, the parser before, skipped a leading BOM and read NUL as the end.
  EXPECT_EQ(accept(kJson, "\xEF\xBB\xBF{\"type\":\"t\"}").events.size(), 1u);
  EXPECT_EQ(accept(kJson, std::string("{\"type\":\"t\"}\0junk", 17)).events.size(), 1u);
  EXPECT_REJECTED(reject(kJson, std::string("{\"type\":\0\"t\"}", 14)), 400, "invalid_json");
}

TEST(MalformedJson, DetailIsPrintableAscii) {
  const ingest_error e = reject(kJson, "{\"type\":\"\xc3\xa9\xff\"}");
  EXPECT_REJECTED(e, 400, "invalid_json");
  for (unsigned char c : e.detail) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << e.detail;
}

// --- duplicate keys -----------------------------------------------------------

TEST(DuplicateKeys, AtTopLevelAreRejected) {
  auto e = reject(kJson, R"({"type":"a","type":"b"})");
  EXPECT_REJECTED(e, 400, "duplicate_key");
  EXPECT_TRUE(contains(e.detail, "\"type\"")) << e.detail;
}

TEST(DuplicateKeys, DeepInDataAreRejected) {
  auto e = reject(kJson, R"({"type":"a","data":{"x":[{"k":1,"j":0,"k":2}]}})");
  EXPECT_REJECTED(e, 400, "duplicate_key");
  EXPECT_TRUE(contains(e.detail, "\"k\"")) << e.detail;
}

TEST(DuplicateKeys, SameKeyInSiblingOrNestedObjectsIsFine) {
  EXPECT_EQ(accept(kJson, R"({"type":"a","data":[{"k":1},{"k":2}]})").events.at(0).data,
            R"([{"k":1},{"k":2}])");
  EXPECT_EQ(accept(kJson, R"({"type":"a","data":{"type":{"type":1}}})").events.at(0).data,
            R"({"type":{"type":1}})");
}

TEST(DuplicateKeys, InArrayElementNamesIndex) {
  auto e = reject(kJson, R"([{"type":"a"},{"type":"a","data":{"z":1,"z":1}}])");
  EXPECT_REJECTED(e, 400, "duplicate_key");
  EXPECT_EQ(e.detail.rfind("event[1]: ", 0), 0u) << e.detail;
}

TEST(DuplicateKeys, NonAsciiKeyIsEscapedInDetail) {
  auto e = reject(kJson, "{\"type\":\"a\",\"data\":{\"\xc3\xa9\":1,\"\xc3\xa9\":2}}");
  EXPECT_REJECTED(e, 400, "duplicate_key");
  EXPECT_TRUE(contains(e.detail, "\\xc3\\xa9")) << e.detail;
}

// --- depth --------------------------------------------------------------------

std::string nested_data(size_t arrays) {
  return R"({"type":"t","data":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
}

TEST(Depth, EnvelopeCountsAndLimitIsInclusive) {
  ingest_limits limits;  // the event object is level 1, so data may hold max_depth - 1 levels
  accept(kJson, nested_data(limits.max_depth - 1));
  EXPECT_REJECTED(reject(kJson, nested_data(limits.max_depth)), 400, "nesting_too_deep");
  limits.max_depth = 3;
  accept(kJson, nested_data(2), "", limits);
  EXPECT_REJECTED(reject(kJson, nested_data(3), limits), 400, "nesting_too_deep");
}

TEST(Depth, HostileNestingStopsEarly) {
  // Unterminated: if the parser read past the limit this would be invalid_json.
  const std::string body = R"({"type":"t","data":)" + std::string(500000, '[');
  EXPECT_REJECTED(reject(kJson, body), 400, "nesting_too_deep");
  EXPECT_REJECTED(reject(kJson, std::string(500000, '{')), 400, "invalid_json");  // keyless
  EXPECT_REJECTED(reject(kJson, std::string(500000, '[')), 400, "nesting_too_deep");
}

TEST(Depth, InArrayElementNamesIndex) {
  ingest_limits limits;
  limits.max_depth = 3;
  auto e = reject(kJson, R"([{"type":"t"},{"type":"t"},{"type":"t","data":[[]]}])", limits);
  EXPECT_REJECTED(e, 400, "nesting_too_deep");
  EXPECT_EQ(e.detail.rfind("event[2]: ", 0), 0u) << e.detail;
}

// --- media type ---------------------------------------------------------------

TEST(MediaType, MissingOrOtherIsUnsupported) {
  for (const char* type : {"", "text/plain", "application/xml", "application/json-patch+json",
                           "application/jsonx", "json", "application/x-www-form-urlencoded"}) {
    EXPECT_REJECTED(reject(type, R"({"type":"t"})"), 415, "unsupported_media_type");
  }
}

TEST(MediaType, CaseAndParametersAreAccepted) {
  for (const char* type : {"APPLICATION/JSON", "Application/Json", " application/json ",
                           "application/json; charset=utf-8", "application/json;charset=UTF-8",
                           "application/json; Charset=\"utf-8\"", "application/json; foo=bar",
                           "application/json ; charset = utf-8 ; q=1"}) {
    EXPECT_EQ(accept(type, R"({"type":"t"})").events.size(), 1u) << type;
  }
  EXPECT_EQ(accept("Application/CloudEvents+JSON; charset=utf-8",
                   R"({"specversion":"1.0","id":"1","source":"s","type":"t"})")
                .events.size(),
            1u);
}

TEST(MediaType, CharsetOtherThanUtf8IsUnsupported) {
  for (const char* type : {"application/json; charset=latin1", "application/json; charset=utf-16",
                           "application/json; charset="}) {
    EXPECT_REJECTED(reject(type, R"({"type":"t"})"), 415, "unsupported_media_type");
  }
}

// --- sizes --------------------------------------------------------------------

TEST(Limits, BodyOverLimitIs413BeforeParsing) {
  ingest_limits limits;
  limits.max_body_bytes = 12;
  accept(kJson, R"({"type":"a"})", "", limits);  // exactly 12 bytes
  EXPECT_REJECTED(reject(kJson, R"({"type":"ab"})", limits), 413, "body_too_large");
  EXPECT_REJECTED(reject(kJson, "not json at all", limits), 413, "body_too_large");
}

TEST(Limits, TooManyEventsIs413AndStopsParsing) {
  ingest_limits limits;
  limits.max_events = 2;
  EXPECT_EQ(accept(kJson, R"([{"type":"a"},{"type":"a"}])", "", limits).events.size(), 2u);
  EXPECT_REJECTED(reject(kJson, R"([{"type":"a"},{"type":"a"},{"type":"a"}])", limits), 413,
                  "too_many_events");
  // Garbage after the excess element is never reached.
  EXPECT_REJECTED(reject(kJson, R"([{"type":"a"},{"type":"a"},{"type":"a"}, oops)", limits), 413,
                  "too_many_events");
  EXPECT_REJECTED(reject(kCloudBatch, R"([{},{},{}])", limits), 413, "too_many_events");
}

// --- shapes -------------------------------------------------------------------

TEST(Shape, EmptyArrayIsEmptyBatch) { EXPECT_REJECTED(reject(kJson, "[]"), 400, "empty_batch"); }

TEST(Shape, NonObjectBodyOrElementIsInvalidEvent) {
  for (const char* body : {"42", R"("x")", "null", "true"}) {
    EXPECT_REJECTED(reject(kJson, body), 400, "invalid_event");
  }
  auto e = reject(kJson, R"([{"type":"a"},3])");
  EXPECT_REJECTED(e, 400, "invalid_event");
  EXPECT_EQ(e.detail.rfind("event[1]: ", 0), 0u) << e.detail;
}

TEST(Shape, ErrorInArrayNamesIndexAndRejectsAll) {
  auto e = reject(kJson, R"([{"type":"a"},{"type":"b"},{"type":"c","id":"../x"},{"type":"d"}])");
  EXPECT_REJECTED(e, 400, "invalid_id");
  EXPECT_EQ(e.detail.rfind("event[2]: ", 0), 0u) << e.detail;
  e = reject(kJson, R"([{"type":"a"},{"tpye":"b"}])");
  EXPECT_REJECTED(e, 400, "unknown_field");
  EXPECT_EQ(e.detail.rfind("event[1]: ", 0), 0u) << e.detail;
}

}  // namespace
}  // namespace eventbed
