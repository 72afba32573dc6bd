// libFuzzer target for the ingest parser, parse_ingest() in gateways/event_parser.hpp.
//
// Every POST /ingest body reaches this parser before anything else looks at
// it, so besides "no crash, no sanitizer report" the fuzzer checks the
// parser's promises to the rest of the pipeline:
//   - an accepted event has an id that valid_event_id() accepts (the id goes
//     into URL paths, Redis keys and logs), a valid W3C traceparent, a type of
//     the documented characters and length, a bounded source, `data` in its
//     stored form: no whitespace between tokens (the projection and GET
//     /events/{id} parse it back) unless it is bytes, and `attributes` empty
//     or a compact JSON object (GET splices it into its answer);
//   - differentially against nlohmann::json, the parser ingest used before
//     its own scanner: a body nlohmann rejects is rejected; an accepted body
//     is one nlohmann parses, each event's `data` parses to the value of the
//     element's "data" member (else null), or holds the bytes its
//     "data_base64" encodes; its datacontenttype is the element's, and its
//     attributes hold every other non-null member but the traceparent; a body
//     nlohmann accepts is never invalid_json;
//   - binary mode (ce- headers): one event; bytes data is the body itself,
//     JSON data is what nlohmann reads from the body, and the datacontenttype
//     is the Content-Type;
//   - an accepted request has one event unless it is a batch, at most
//     max_events events, and an event whose id the client did not choose
//     carries a generated UUIDv7;
//   - a rejection has a 4xx status from the documented set, a known error code,
//     and a detail that is printable ASCII and bounded (it is embedded in the
//     JSON error reply);
//   - a body over max_body_bytes is always 413, whatever else is wrong.
//
// Input layout: byte 0 picks the Content-Type, byte 1 the traceparent header
// and, from 128 on, a set of ce- headers (binary mode); the rest is the body.
// Both pickers include odd values (parameters, wrong charsets, garbage) so
// media-type parsing is fuzzed too. Some header sets take their last value
// from the input: then the body's first line is that value and the rest the
// body. Limits are smaller than the defaults so the fuzzer reaches them
// (depth, batch size, lengths) with short inputs.
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

#include "gateways/base64.hpp"
#include "gateways/event_ids.hpp"
#include "gateways/event_parser.hpp"
#include "gateways/json_scanner.hpp"
#include "gateways/media_type.hpp"

namespace {

using eventbed::http_header_list;
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

// Binary mode's header sets. The first four end with a header whose value
// comes from the input (its value here is replaced).
const http_header_list header_sets[] = {
    {{"ce-specversion", "1.0"}, {"ce-id", "b-1"}, {"ce-source", "/s"}, {"ce-type", "t"}, {"ce-subject", ""}},
    {{"ce-specversion", "1.0"}, {"ce-source", "/s"}, {"ce-type", "t"}, {"ce-id", ""}},
    {{"ce-specversion", "1.0"}, {"ce-id", "b-1"}, {"ce-source", "/s"}, {"ce-type", "t"}, {"ce-traceparent", ""}},
    {{"ce-specversion", "1.0"}, {"ce-id", "b-1"}, {"ce-type", "t"}, {"ce-source", ""}},
    {{"CE-SpecVersion", "1.0"}, {"Ce-Id", "ord%2D1"}, {"ce-source", "\"/a b\""}, {"ce-type", "t"},
     {"ce-myext", "%E2%82%AC"}, {"ce-time", "2024-01-02T03:04:05Z"}},
    {{"ce-id", "b-1"}, {"ce-source", "/s"}, {"ce-type", "t"}},
    {{"ce-specversion", "1.0"}, {"ce-id", "b-1"}, {"ce-source", "/s"}, {"ce-type", "t"}, {"ce-Data", "x"}},
    {{"ce-specversion", "1.0"}, {"ce-id", "b-1"}, {"CE-ID", "b-2"}, {"ce-source", "/s"}, {"ce-type", "t"}},
};
constexpr size_t fuzzed_header_sets = 4;

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
    if (!ev.binary_data) {
      eventbed::json_scanner scanner(ev.data, SIZE_MAX);
      eventbed::json_value value;
      FUZZ_CHECK(scanner.read_value(value) && scanner.finish(), "data is valid JSON");
      FUZZ_CHECK(value.compact && value.text.size() == ev.data.size(), "data is stored compact");
    }
    if (!ev.attributes.empty()) {
      eventbed::json_scanner scanner(ev.attributes, SIZE_MAX);
      eventbed::json_value value;
      FUZZ_CHECK(scanner.read_value(value) && scanner.finish(), "attributes are valid JSON");
      FUZZ_CHECK(value.kind == eventbed::json_kind::object && value.compact &&
                     value.text.size() == ev.attributes.size() && ev.attributes != "{}",
                 "attributes are a compact, non-empty object");
    }
  }
}

// The attributes ingest should have kept of one event object: every
// non-null member but those an event has fields for.
nlohmann::json expected_attributes(const nlohmann::json& element) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : element.items()) {
    static const std::set<std::string> fields = {"id", "type", "source", "data", "data_base64",
                                                 "datacontenttype", "specversion", "traceparent"};
    if (!value.is_null() && fields.count(key) == 0) out[key] = value;
  }
  return out;
}

void check_event_against(const eventbed::event& ev, const nlohmann::json& element) {
  auto base64 = element.find("data_base64");
  if (base64 != element.end() && !base64->is_null()) {
    FUZZ_CHECK(ev.binary_data, "data_base64 is stored as bytes");
    FUZZ_CHECK(eventbed::base64_decode(base64->get<std::string>()) == ev.data, "the bytes data_base64 encodes");
  } else {
    const auto data = nlohmann::json::parse(ev.data, nullptr, false);
    FUZZ_CHECK(!ev.binary_data && !data.is_discarded(), "nlohmann parses the stored data");
    auto it = element.find("data");
    FUZZ_CHECK(data == (it != element.end() && !it->is_null() ? *it : nlohmann::json()),
               "data holds the value sent");
  }
  auto type = element.find("datacontenttype");
  FUZZ_CHECK(ev.datacontenttype == (type != element.end() && type->is_string() ? type->get<std::string>() : ""),
             "datacontenttype as sent");
  const auto attributes =
      ev.attributes.empty() ? nlohmann::json::object() : nlohmann::json::parse(ev.attributes, nullptr, false);
  FUZZ_CHECK(attributes == expected_attributes(element), "attributes hold the other members as sent");
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
  for (size_t i = 0; i < req->events.size(); ++i) check_event_against(req->events[i], array ? root[i] : root);
}

// Binary mode: the body is the data, in the Content-Type's media type.
void check_binary(std::string_view ct, std::string_view body, const ingest_request* req, const ingest_error* err) {
  const bool json = eventbed::json_media_type(ct);
  if (err) {
    FUZZ_CHECK(err->error != "invalid_json" || (json && !nlohmann::json::accept(body)),
               "invalid_json only for JSON data nlohmann rejects");
    return;
  }
  FUZZ_CHECK(req->events.size() == 1 && !req->batch, "binary mode is one event");
  const auto& ev = req->events[0];
  FUZZ_CHECK(ev.datacontenttype == eventbed::trim_ows(ct), "datacontenttype is the Content-Type");
  if (body.empty()) {
    FUZZ_CHECK(!ev.binary_data && ev.data == "null", "an empty body is no data");
  } else if (json) {
    FUZZ_CHECK(!ev.binary_data && nlohmann::json::parse(ev.data) == nlohmann::json::parse(body),
               "JSON data holds the body's value");
  } else {
    FUZZ_CHECK(ev.binary_data && ev.data == body, "other data is the body's bytes");
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
  constexpr size_t n_hs = sizeof(header_sets) / sizeof(header_sets[0]);
  const std::string_view ct = content_types[data[0] % n_ct];
  const std::string_view tp = traceparents[data[1] % n_tp];
  std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  static const ingest_limits limits = fuzz_limits();
  http_header_list headers;
  if (data[1] >= 128) {
    const size_t set = (data[1] - 128u) / n_tp % n_hs;
    headers = header_sets[set];
    if (set < fuzzed_header_sets) {
      const size_t line = std::min(body.find('\n'), body.size());
      headers.back().second = std::string(body.substr(0, line));
      body.remove_prefix(std::min(line + 1, body.size()));
    }
  }

  auto result = eventbed::parse_ingest(ct, body, tp, limits, headers);
  const auto* req = std::get_if<ingest_request>(&result);
  const auto* err = std::get_if<ingest_error>(&result);
  if (req) {
    check_accepted(*req, limits, ct);
    FUZZ_CHECK(body.size() <= limits.max_body_bytes, "no body over max_body_bytes is accepted");
  } else {
    check_rejected(*err, limits, body.size());
  }
  // Content-Type and size are checked before the body is read.
  if (err && (err->error == "unsupported_media_type" || err->error == "body_too_large")) return 0;
  // The CloudEvents media types choose structured and batch mode over ce- headers.
  const bool structured = eventbed::iequals(eventbed::media_essence(ct), "application/cloudevents+json") ||
                          eventbed::iequals(eventbed::media_essence(ct), "application/cloudevents-batch+json");
  if (headers.empty() || structured) {
    check_against_nlohmann(body, req, err);
  } else {
    check_binary(ct, body, req, err);
  }
  return 0;
}
