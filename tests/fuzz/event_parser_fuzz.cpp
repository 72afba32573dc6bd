// libFuzzer target for the ingest parser, parse_ingest() in gateways/event_parser.hpp.
//
// Every POST /ingest body reaches this parser before anything else looks at
// it, so besides "no crash, no sanitizer report" the fuzzer checks the
// parser's promises to the rest of the pipeline:
//   - an accepted event has an id that valid_event_id() accepts (the id goes
//     into URL paths, Redis keys and logs), a valid W3C traceparent, a type of
//     the documented characters and length, a bounded source, and `data` in
//     its stored form: no whitespace between tokens (the projection and GET
//     /events/{id} parse it back);
//   - differentially against nlohmann::json, the parser ingest used before
//     its own scanner: a body nlohmann rejects is rejected; an accepted body
//     is one nlohmann parses, and each event's `data` parses to the value of
//     the element's "data" member (its "data_base64" string for CloudEvents,
//     else null); a body nlohmann accepts is never invalid_json;
//   - an accepted request has one event unless it is a batch, at most
//     max_events events, and an event whose id the client did not choose
//     carries a generated UUIDv7;
//   - a rejection has a 4xx status from the documented set, a known error code,
//     and a detail that is printable ASCII and bounded (it is embedded in the
//     JSON error reply);
//   - a body over max_body_bytes is always 413, whatever else is wrong.
//
// Input layout: byte 0 picks the Content-Type, byte 1 the traceparent header,
// the rest is the body. Both pickers include odd values (parameters, wrong
// charsets, garbage) so media-type parsing is fuzzed too. Limits are smaller
// than the defaults so the fuzzer reaches them (depth, batch size, lengths)
// with short inputs.
//
// Built with -fsanitize=fuzzer by clang (scripts/fuzz). With any other
// compiler, replay_main.cpp supplies main() and runs this same function over
// the seed corpus, so the properties are checked in the ordinary test suite.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "gateways/event_ids.hpp"
#include "gateways/event_parser.hpp"
#include "gateways/json_scanner.hpp"

namespace {

using eventbed::ingest_error;
using eventbed::ingest_limits;
using eventbed::ingest_request;

// Property violations abort, so libFuzzer saves the input as a crash.
#define FUZZ_CHECK(cond, what)                                                          \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "property violated: %s (%s) at %s:%d\n", what, #cond, __FILE__, \
                   __LINE__);                                                           \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

constexpr std::string_view content_types[] = {
    "application/json",
    "application/cloudevents+json",
    "application/cloudevents-batch+json",
    "Application/JSON; charset=UTF-8",
    "application/cloudevents+json;charset=\"utf-8\"",
    "application/cloudevents-batch+json; foo=bar; charset=utf-8",
    "application/json; charset=latin1",
    "text/plain",
    "",
    "application/json;",
    " application/json ; charset = utf-8 ",
    "application/json; charset=\"",
};

constexpr std::string_view traceparents[] = {
    "",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id: invalid
    "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // unknown version
    "garbage",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",  // uppercase: invalid
};

ingest_limits fuzz_limits() {
  ingest_limits l;
  l.max_body_bytes = 64 * 1024;
  l.max_events = 16;
  l.max_depth = 16;
  l.max_id_length = 40;
  l.max_type_length = 48;
  l.max_source_length = 64;
  return l;
}

bool type_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '-';
}

void check_accepted(const ingest_request& req, const ingest_limits& limits, std::string_view ct) {
  for (const auto& ev : req.events)
    FUZZ_CHECK(ev.client_id || ev.id.size() == 36, "an id the client did not choose is a generated UUIDv7");
  FUZZ_CHECK(req.batch || req.events.size() == 1, "a single-event body yields one event");
  FUZZ_CHECK(req.events.size() <= limits.max_events, "at most max_events events");
  // Only a CloudEvents batch may be empty; the plain form rejects `[]`.
  FUZZ_CHECK(!req.events.empty() || ct.find("batch") != std::string_view::npos,
             "empty only for a cloudevents batch");
  for (const auto& ev : req.events) {
    FUZZ_CHECK(eventbed::valid_event_id(ev.id, limits.max_id_length), "accepted id is valid");
    FUZZ_CHECK(eventbed::valid_traceparent(ev.traceparent), "accepted traceparent is valid");
    FUZZ_CHECK(!ev.type.empty() && ev.type.size() <= limits.max_type_length, "type length");
    for (char c : ev.type)
      FUZZ_CHECK(type_char(c), "type characters");
    FUZZ_CHECK(ev.source.size() <= limits.max_source_length, "source length");
    // Stored form: scanning it finds no whitespace, so storing it again
    // would not change it.
    eventbed::json_scanner scanner(ev.data, SIZE_MAX);
    eventbed::json_value value;
    FUZZ_CHECK(scanner.read_value(value) && scanner.finish(), "data is valid JSON");
    FUZZ_CHECK(value.compact && value.text.size() == ev.data.size(), "data is stored compact");
  }
}

// The value ingest should have stored for one event object of the body.
nlohmann::json expected_data(const nlohmann::json& element) {
  for (const char* name : {"data", "data_base64"}) {
    auto it = element.find(name);
    if (it != element.end() && !it->is_null()) return *it;
  }
  return nullptr;
}

// nlohmann::json as the reference for which bodies are JSON and what they mean.
void check_against_nlohmann(std::string_view body, const ingest_request* req,
                            const ingest_error* err) {
  const bool valid = nlohmann::json::accept(body);
  if (err) {
    FUZZ_CHECK(!valid || err->error != "invalid_json", "JSON nlohmann accepts is not invalid_json");
    return;
  }
  FUZZ_CHECK(valid, "a body nlohmann rejects is rejected");
  const auto root = nlohmann::json::parse(body);
  const bool array = root.is_array();
  FUZZ_CHECK(array == req->batch, "batch exactly when the body is an array");
  FUZZ_CHECK(req->events.size() == (array ? root.size() : 1), "one event per element");
  for (size_t i = 0; i < req->events.size(); ++i) {
    const auto& element = array ? root[i] : root;
    const auto data = nlohmann::json::parse(req->events[i].data, nullptr, false);
    FUZZ_CHECK(!data.is_discarded(), "nlohmann parses the stored data");
    FUZZ_CHECK(data == expected_data(element), "data holds the value sent");
  }
}

void check_rejected(const ingest_error& err, const ingest_limits& limits, size_t body_size) {
  static const std::set<std::string> codes = {
      "unsupported_media_type", "body_too_large", "too_many_events", "invalid_json",
      "nesting_too_deep",       "duplicate_key",  "invalid_event",   "empty_batch",
      "unknown_field",          "missing_field",  "invalid_field",   "invalid_id"};
  FUZZ_CHECK(codes.count(err.error) == 1, "error code is documented");
  FUZZ_CHECK(err.http_status == 400 || err.http_status == 413 || err.http_status == 415,
             "error status is 400, 413 or 415");
  FUZZ_CHECK(!err.detail.empty() && err.detail.size() <= 1024, "detail is present and bounded");
  for (unsigned char c : err.detail)
    FUZZ_CHECK(c >= 0x20 && c < 0x7f, "detail is printable ASCII");
  if (body_size > limits.max_body_bytes && err.error != "unsupported_media_type")
    FUZZ_CHECK(err.error == "body_too_large", "oversized body is 413 body_too_large");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2)
    return 0;
  constexpr size_t n_ct = sizeof(content_types) / sizeof(content_types[0]);
  constexpr size_t n_tp = sizeof(traceparents) / sizeof(traceparents[0]);
  const std::string_view ct = content_types[data[0] % n_ct];
  const std::string_view tp = traceparents[data[1] % n_tp];
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  static const ingest_limits limits = fuzz_limits();

  auto result = eventbed::parse_ingest(ct, body, tp, limits);
  const auto* req = std::get_if<ingest_request>(&result);
  const auto* err = std::get_if<ingest_error>(&result);
  if (req) {
    check_accepted(*req, limits, ct);
    FUZZ_CHECK(body.size() <= limits.max_body_bytes, "no body over max_body_bytes is accepted");
  } else {
    check_rejected(*err, limits, body.size());
  }
  // Content-Type and size are checked before the body is read.
  if (!err || (err->error != "unsupported_media_type" && err->error != "body_too_large")) {
    check_against_nlohmann(body, req, err);
  }
  return 0;
}
