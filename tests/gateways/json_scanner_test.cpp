// The strict JSON scanner (gateways/json_scanner.hpp), the number range rule
// (json_number.hpp) and the envelope reader (json_envelope.hpp). nlohmann,
// which ingest used before, is the reference for what is valid and for the
// value a text denotes.
#include "gateways/json_scanner.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateways/json_envelope.hpp"
#include "gateways/json_number.hpp"

namespace eventbed {
namespace {

using nlohmann::json;

// Scans `text` as one whole JSON text: a value, then the end.
std::optional<json_error> scan(std::string_view text, size_t max_depth = 64,
                               json_value* out = nullptr) {
  json_scanner scanner(text, max_depth);
  json_value value;
  if (scanner.read_value(value) && scanner.finish()) {
    if (out) *out = value;
    return std::nullopt;
  }
  return scanner.error();
}

json_value scanned(std::string_view text) {
  json_value value;
  const auto error = scan(text, 64, &value);
  EXPECT_FALSE(error) << text << ": " << error->message;
  return value;
}

void expect_syntax_error(std::string_view text) {
  const auto error = scan(text);
  ASSERT_TRUE(error) << "accepted: " << text;
  EXPECT_EQ(error->code, json_error_code::syntax) << text;
  EXPECT_EQ(error->message.rfind("parse error at line ", 0), 0u) << error->message;
  for (unsigned char c : error->message) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << error->message;
  EXPECT_FALSE(json::accept(text)) << "nlohmann accepts " << text;
}

void expect_valid(std::string_view text) {
  EXPECT_FALSE(scan(text)) << text << ": " << scan(text)->message;
  EXPECT_TRUE(json::accept(text)) << "nlohmann rejects " << text;
}

// --- grammar ------------------------------------------------------------------

TEST(JsonScanner, AcceptsWhatNlohmannAccepts) {
  for (std::string_view text :
       {"null", "true", "false", "0", "-0", "-0.0e-0", "12.5E+3", "1e-999", "[]", "{}", " [ ] ",
        "\t\r\n{\"a\" : [1, {\"b\": null}], \"c\": \"\"}\n", R"("\" \\ \/ \b \f \n \r \t")",
        R"("\u0000\u00e9\uFFFF\ud83d\ude00")", "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"",
        "123456789012345678901234567890", "1.7976931348623157e308", "-1.7976931348623158e308",
        "\xEF\xBB\xBF{}"}) {
    expect_valid(text);
  }
}

TEST(JsonScanner, NulAfterTheValueEndsTheTextAsInNlohmann) {
  expect_valid(std::string_view("{}\0junk", 7));
  expect_valid(std::string_view("1 \0", 3));
  expect_syntax_error(std::string_view("[\0]", 3));
}

TEST(JsonScanner, RejectsNonStrictSyntax) {
  for (std::string_view text :
       {"", "   ", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}", "['a']",
        "// c\n1", "/* c */ 1", "1 // c", "[1] x", "{} {}", "tru", "nul", "True", "NaN",
        "Infinity", "\f1", "\v1", "\xc2\xa0" "1", "{\"a\":}", "[,1]", "{,}", "\xEF\xBB", "+1"}) {
    expect_syntax_error(text);
  }
}

TEST(JsonScanner, RejectsBadNumbers) {
  for (std::string_view text : {"01", "-01", "00", "1.", ".5", "-", "-a", "1e", "1e+", "1.e5",
                                "0x10", "1_000", "--1"}) {
    expect_syntax_error(text);
  }
}

TEST(JsonScanner, RejectsNumbersThatOverflowADouble) {
  for (std::string_view text : {"1e999", "-1e999", "1.7976931348623159e308",
                                "1.797693134862316e308", "0.0000000001e319", "[1e400]"}) {
    expect_syntax_error(text);
    EXPECT_NE(scan(text)->message.find("overflow"), std::string::npos);
  }
  expect_syntax_error(std::string(400, '9'));
  expect_valid(std::string(308, '9'));
  expect_valid("0e99999999999999999999999");
}

TEST(JsonNumber, BoundaryIsWhereStrtodOverflows) {
  // DBL_MAX is 1.7976931348623157081e308; from there up to DBL_MAX + ulp/2
  // (1.797693134862315807937e308) a double rounds down to it.
  const std::string zeros(292, '0');
  const std::vector<std::string> fit = {"1.7976931348623157e308", "1.79769313486231580793e308",
                                        "17976931348623157" + zeros, "-17976931348623158" + zeros,
                                        std::string(308, '9'), "1e-400", "-0.0000e400"};
  for (const std::string& n : fit) EXPECT_TRUE(json_number_fits_double(n)) << n;
  const std::vector<std::string> overflow = {"1.7976931348623159e308", "17976931348623159" + zeros,
                                             "1e309", "-10e308", "0.1e310", "1" + zeros + zeros};
  for (const std::string& n : overflow) EXPECT_FALSE(json_number_fits_double(n)) << n;
}

TEST(JsonScanner, RejectsBadStrings) {
  for (std::string_view text :
       {"\"abc", "\"\\\"", R"("\x")", R"("\U0041")", R"("\u12")", R"("\u12G4")", "\"a\x01\"",
        "\"\t\"", "\"\n\"", R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")", R"("\ud800x")",
        R"("\ud800\ud800")", R"("\udfff\ud800")", R"("\ud800\")"}) {
    expect_syntax_error(text);
  }
  expect_syntax_error(std::string_view("\"a\0b\"", 5));
}

// Long runs of plain bytes are checked eight at a time: every byte value, at
// every position of such a run, must be judged as nlohmann judges it.
TEST(JsonScanner, EveryByteIsJudgedWhereverItFallsInALongString) {
  for (size_t at = 0; at < 17; ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string text = "\"" + std::string(24, 'a') + "\"";
      text[1 + at] = static_cast<char>(byte);
      const bool accepted = !scan(text).has_value();
      ASSERT_EQ(accepted, json::accept(text)) << "byte " << byte << " at " << at;
    }
  }
}

TEST(JsonScanner, RejectsInvalidUtf8) {
  for (std::string_view text : {
           "\"\x80\"",              // lone continuation byte
           "\"\xc0\xaf\"",          // overlong '/'
           "\"\xc1\xbf\"",          // overlong
           "\"\xe0\x80\xaf\"",      // overlong 3-byte
           "\"\xf0\x80\x80\xaf\"",  // overlong 4-byte
           "\"\xed\xa0\x80\"",      // encoded surrogate U+D800
           "\"\xed\xbf\xbf\"",      // encoded surrogate U+DFFF
           "\"\xf4\x90\x80\x80\"",  // U+110000
           "\"\xf5\x80\x80\x80\"",  // beyond any code point
           "\"\xff\"", "\"\xfe\"",  //
           "\"\xc3\"",              // truncated before the quote
           "\"\xc3(\"",             // bad continuation
           "\"\xe2\x82\"",          // truncated 3-byte
           "\xc3\xa9",              // not inside a string at all
       }) {
    expect_syntax_error(text);
  }
  expect_syntax_error("\"\xe2\x82");  // truncated at the end of input
}

TEST(JsonScanner, ErrorSaysLineAndColumn) {
  EXPECT_NE(scan(R"({"type":"a")")->message.find("line 1, column 12"), std::string::npos);
  EXPECT_NE(scan("{\n  \"a\": tru\n}")->message.find("line 2, column 8"), std::string::npos);
  EXPECT_NE(scan("[1,\n2,]")->message.find("line 2, column 3"), std::string::npos);
  EXPECT_NE(scan("\"\xff\"")->message.find("column 2"), std::string::npos);
}

// --- limits -------------------------------------------------------------------

TEST(JsonScanner, DepthLimitIsInclusive) {
  EXPECT_FALSE(scan("[[[]]]", 3));
  EXPECT_FALSE(scan(R"({"a":{"b":[]}})", 3));
  EXPECT_EQ(scan("[[[[]]]]", 3)->code, json_error_code::too_deep);
  EXPECT_EQ(scan(R"({"a":{"b":[{}]}})", 3)->code, json_error_code::too_deep);
  EXPECT_EQ(scan("[]", 0)->code, json_error_code::too_deep);
  EXPECT_FALSE(scan("1", 0));
}

TEST(JsonScanner, HostileNestingFailsAtTheLimitWithoutRecursion) {
  // Unterminated: reading past the limit would make this a syntax error.
  EXPECT_EQ(scan(std::string(1'000'000, '['))->code, json_error_code::too_deep);
  const std::string deep(100'000, '[');
  EXPECT_FALSE(scan(deep + std::string(100'000, ']'), 200'000));  // iterative: no stack overflow
}

TEST(JsonScanner, DuplicateKeysAreFoundDecoded) {
  for (std::string_view text :
       {R"({"a":1,"a":2})", R"({"a":1,"\u0061":2})", R"({"\u0061":1,"a":2})",
        R"({"\u0061":1,"\u0061":2})", R"({"/":1,"\/":2})", R"({"\u00e9":1,"é":2})",
        R"({"\ud83d\ude00":1,"😀":2})", R"([{"x":{"k":1,"j":[{"q":0,"q":0}]}}])",
        R"({"":1,"":2})"}) {
    const auto error = scan(text);
    ASSERT_TRUE(error) << text;
    EXPECT_EQ(error->code, json_error_code::duplicate_key) << text;
    EXPECT_TRUE(json::accept(text)) << text;  // nlohmann would keep the last one
  }
  EXPECT_EQ(scan(R"({"k":{"\u006b":1,"k":2}})")->key, "k");
}

TEST(JsonScanner, SameKeyInOtherObjectsIsNoDuplicate) {
  expect_valid(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}],"c":{"b":1}})");
  expect_valid(R"({"a":1,"A":2,"a ":3,"\u0062":4})");
}

TEST(JsonScanner, DuplicateIsFoundBeforeTheColon) {
  // Like nlohmann's SAX parser, which reports the key before reading on.
  EXPECT_EQ(scan(R"({"a":1,"a")")->code, json_error_code::duplicate_key);
}

std::string object_of(size_t keys, std::string_view last_key) {
  std::string text = "{";
  for (size_t i = 0; i < keys; ++i) text += "\"k" + std::to_string(i) + "\":0,";
  return text + "\"" + std::string(last_key) + "\":1}";
}

TEST(JsonScanner, BigObjectsAreCheckedInNLogN) {
  for (size_t keys : {15u, 16u, 17u, 40u}) {
    EXPECT_FALSE(scan(object_of(keys, "new"))) << keys;
    EXPECT_EQ(scan(object_of(keys, "k0"))->code, json_error_code::duplicate_key) << keys;
    EXPECT_EQ(scan(object_of(keys, "k\\u0030"))->code, json_error_code::duplicate_key) << keys;
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(scan(object_of(100'000, "new")));
  EXPECT_EQ(scan(object_of(100'000, "k99999"))->code, json_error_code::duplicate_key);
  // Quadratic would be ~10^10 comparisons, minutes; n log n is milliseconds.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// --- values -------------------------------------------------------------------

TEST(JsonValue, StringValueIsDecoded) {
  for (std::string_view text :
       {R"("plain")", R"("")", R"("\" \\ \/ \b \f \n \r \t")", R"("\u0000x\u00e9\u20ac")",
        R"("\ud83d\ude00 and \uD83D\uDE00")", "\"\xc3\xa9\"", R"("a\u0061\\u0061")"}) {
    const json_value value = scanned(text);
    ASSERT_EQ(value.kind, json_kind::string);
    EXPECT_EQ(json_string_value(value), json::parse(text).get<std::string>()) << text;
  }
}

TEST(JsonValue, CompactTextRoundTrips) {
  for (std::string_view text :
       {"null", " 1.50e+2 ", R"( { "b" : [ 1 , 2.5 , "x y" ] , "a" : null } )",
        "[\n\t\"\\\" ]\" ,\r\n {\"k\\\"\" :\"v \\\\\"}]", R"({"a":"\u0041 \n","b":-0.0})",
        "[ [ ], { }, [ { \"x\" : [ ] } ] ]", "\"  spaced  \""}) {
    const json_value value = scanned(text);
    const std::string compact = json_compact_text(value);
    EXPECT_EQ(json::parse(compact), json::parse(text)) << compact;
    const json_value again = scanned(compact);
    EXPECT_TRUE(again.compact) << compact;
    EXPECT_EQ(json_compact_text(again), compact);
  }
  // Order, escapes and spelling are kept: only whitespace goes.
  EXPECT_EQ(json_compact_text(scanned(R"( { "b" : 1E2 , "a" : "\u0041" } )")),
            R"({"b":1E2,"a":"\u0041"})");
}

TEST(JsonValue, CompactFlagSaysWhetherWhitespaceWasSkipped) {
  EXPECT_TRUE(scanned(R"({"a":[1,"x y"]})").compact);
  EXPECT_TRUE(scanned(R"( "x" )").compact);
  EXPECT_FALSE(scanned(R"({"a": 1})").compact);
  EXPECT_FALSE(scanned("[1,\n2]").compact);
}

TEST(JsonQuoted, EscapesWhatJsonRequiresAndReadsBackAsTheSameString) {
  const std::string text = "a\"b\\c/\n\x01\x7f caf\xc3\xa9 \xf0\x9f\x98\x80";
  const std::string quoted = json_quoted(text);
  EXPECT_EQ(quoted, "\"a\\\"b\\\\c/\\u000a\\u0001\x7f caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_string_value(scanned(quoted)), text);
}

TEST(JsonQuoted, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  for (const std::string& bad : {std::string("\xff"), std::string("\xc0\xa0"), std::string("\xed\xa0\x80"),
                                 std::string("\xe2\x82")}) {
    const std::string quoted = json_quoted("x" + bad + "y");
    EXPECT_EQ(json_string_value(scanned(quoted)).substr(0, 4), "x\xef\xbf\xbd") << quoted;
  }
}

// --- envelope -----------------------------------------------------------------

json_envelope envelope(std::string_view body, size_t max_depth = 64, size_t max_elements = 10) {
  auto result = read_envelope(body, max_depth, max_elements);
  if (auto* error = std::get_if<envelope_error>(&result)) {
    ADD_FAILURE() << body << ": " << error->error.message;
    return {};
  }
  return std::get<json_envelope>(std::move(result));
}

envelope_error envelope_failure(std::string_view body, size_t max_depth = 64,
                                size_t max_elements = 10) {
  auto result = read_envelope(body, max_depth, max_elements);
  if (!std::holds_alternative<envelope_error>(result)) {
    ADD_FAILURE() << "accepted " << body;
    return {};
  }
  return std::get<envelope_error>(std::move(result));
}

TEST(JsonEnvelope, RecordsTopLevelMembers) {
  const json_envelope e = envelope(R"({"t\u0079pe" : "x", "data" : {"k": [1]}, "n":null})");
  EXPECT_FALSE(e.array);
  ASSERT_EQ(e.elements.size(), 1u);
  EXPECT_EQ(e.elements[0].kind, json_kind::object);
  ASSERT_EQ(e.elements[0].member_count, 3u);
  EXPECT_EQ(e.members[0].key, "type");
  EXPECT_EQ(json_string_value(e.members[0].value), "x");
  EXPECT_EQ(e.members[1].value.text, R"({"k": [1]})");
  EXPECT_EQ(e.members[2].value.kind, json_kind::null);
}

TEST(JsonEnvelope, ArrayElementsOfAnyKind) {
  const json_envelope e = envelope(R"([{"a":1}, 2, [3], {}, {"b":"c"}])");
  EXPECT_TRUE(e.array);
  ASSERT_EQ(e.elements.size(), 5u);
  EXPECT_EQ(e.elements[1].kind, json_kind::number);
  EXPECT_EQ(e.elements[2].kind, json_kind::array);
  EXPECT_EQ(e.elements[3].member_count, 0u);
  EXPECT_EQ(e.members[e.elements[4].first_member].key, "b");
}

TEST(JsonEnvelope, TooManyElementsStopsAtTheExtraOne) {
  EXPECT_EQ(envelope("[{},{}]", 64, 2).elements.size(), 2u);
  for (std::string_view body : {"[{},{},{}]", "[{},{},{", "[1,2,3 oops", "[{},{},[", "[1,2,3,"}) {
    const envelope_error e = envelope_failure(body, 64, 2);
    EXPECT_EQ(e.error.code, json_error_code::too_many_elements) << body;
    EXPECT_FALSE(e.element);
  }
  // A scalar is read whole first, as nlohmann lexed it before counting.
  EXPECT_EQ(envelope_failure("[1,2,tru", 64, 2).error.code, json_error_code::syntax);
  EXPECT_EQ(envelope_failure("[1,2,1e999", 64, 2).error.code, json_error_code::syntax);
  EXPECT_EQ(envelope(R"({"a":[1,2,3]})", 64, 0).elements.size(), 1u);  // not an array
}

TEST(JsonEnvelope, ErrorsInsideAnElementNameIt) {
  auto e = envelope_failure(R"([{},{"a":1,"a":2}])");
  EXPECT_EQ(e.error.code, json_error_code::duplicate_key);
  EXPECT_EQ(e.element, 1u);
  e = envelope_failure(R"([{},{},{"d":[[]]}])", 3);
  EXPECT_EQ(e.error.code, json_error_code::too_deep);
  EXPECT_EQ(e.element, 2u);
  e = envelope_failure("[{}]", 1);  // the element itself is too deep: not inside it
  EXPECT_EQ(e.error.code, json_error_code::too_deep);
  EXPECT_FALSE(e.element);
  EXPECT_FALSE(envelope_failure(R"([{},{"a":tru}])").element);  // syntax: never
  EXPECT_FALSE(envelope_failure(R"({"a":{"b":1,"b":1}})").element);  // not an array
}

}  // namespace
}  // namespace eventbed
