// Parsing and validation of `POST /ingest` requests.
//
// This is the only place that decides what an acceptable event is, so the
// gateway stays a thin HTTP adapter and the log never holds a malformed event.
// Validation is all-or-nothing: if any event of a batch is invalid, nothing is
// returned and the client gets one error naming the offending element.
//
// The form of a request, chosen by Content-Type (media type case-insensitive;
// for the JSON forms a charset parameter, if present, must be utf-8) and, as
// the CloudEvents HTTP binding defines, by its ce- headers:
//   application/cloudevents+json        one CloudEvents 1.0 structured-mode
//                                       event: "specversion" ("1.0"), "id",
//                                       "source", "type" required; "data" or
//                                       "data_base64"; datacontenttype,
//                                       dataschema, subject, time and extension
//                                       attributes accepted. Any ce- header is
//                                       ignored (the binding: the media type
//                                       decides the mode).
//   application/cloudevents-batch+json  an array of such events; the spec
//                                       allows an empty batch, so `events` may
//                                       be empty for this form only.
//   any other, or none, with at least   one CloudEvent in binary mode: every
//   one header named ce-*               attribute is a `ce-<name>` header (name
//                                       case-insensitive) but datacontenttype,
//                                       which is the Content-Type; the body is
//                                       the data.
//   application/json                    one event object, or a non-empty array
//                                       of them. Members: "type" (required),
//                                       "id", "source", "data", "traceparent".
//                                       Any other member is an error, so typos
//                                       are caught.
//
// Bodies are strict JSON, read in one pass without building a tree
// (json_envelope.hpp, json_scanner.hpp for the exact grammar); the limits
// below are checked while reading, so a hostile body is rejected at the
// offending byte.
//
// How fields become an `event` (storage/event.hpp), the same for every form:
//   - A member whose value is null counts as absent (CloudEvents requires this;
//     the plain form follows the same rule).
//   - id: must pass valid_event_id() (event_ids.hpp); a missing id is
//     generated with make_event_id(). CloudEvents ids obey the same rule.
//   - type: [A-Za-z0-9._:/-], 1..max_type_length. source: any string up to
//     max_source_length (non-empty for CloudEvents).
//   - data: stored as the body's own text of the value with the whitespace
//     between tokens removed ("null" if absent): keys stay in body order,
//     strings keep their escapes and numbers their spelling, so it is valid
//     JSON of exactly the value sent, copied rather than re-serialized.
//     CloudEvents "data_base64" is decoded and stored as its bytes
//     (binary_data).
//   - datacontenttype: kept as sent. The other CloudEvents attributes but
//     traceparent (time, subject, dataschema, extensions) are kept as
//     `attributes`, each value's compact JSON text as sent, keys sorted.
//   - traceparent: the event's own, if valid; otherwise, for a single-event
//     body, the HTTP header's, if valid; otherwise a fresh one. An invalid
//     traceparent is ignored, as W3C Trace Context requires; only a
//     non-string value is an error.
// In binary mode, with the same rules and error codes (details name the
// header, e.g. missing required header "ce-id"):
//   - a ce- header's value is decoded as the binding requires (ce_header.hpp);
//     one that does not decode is invalid_field. Every attribute is then a
//     string, extensions included. ce-datacontenttype, ce-data and
//     ce-data_base64 are unknown_field, as is an extension name outside
//     [a-z0-9]+; a repeated header is duplicate_key.
//   - the data: an empty body is none. A body whose Content-Type is JSON
//     (json_media_type(): */json, */*+json) is read as JSON under the limits
//     below and stored like `data`; any other body, or one without
//     Content-Type, is kept byte for byte (binary_data).
//
// Errors (`error` code, HTTP status):
//   415 unsupported_media_type  Content-Type missing or none of the above
//                               without a ce- header, or a charset other
//                               than utf-8 on JSON
//   413 body_too_large          body over max_body_bytes (checked before parsing)
//   413 too_many_events         array over max_events (parsing stops there)
//   400 invalid_json            empty, malformed or truncated JSON, invalid
//                               UTF-8, a number beyond a double; detail is
//                               "parse error at line L, column C: <what>"
//   400 nesting_too_deep        more than max_depth nested arrays/objects,
//                               counting the envelope; parsing stops there
//   400 duplicate_key           a key repeated in any object, however deep
//   400 invalid_event           a body or array element that is not an object
//   400 empty_batch             `[]` with application/json
//   400 unknown_field           a member the form does not define
//   400 missing_field           a required member absent or null
//   400 invalid_field           a member of the wrong type or content
//   400 invalid_id              an id that breaks the id rule
// In a batch, detail starts with "event[i]: " for the offending element.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "storage/event.hpp"

namespace eventbed {

struct ingest_limits {
  size_t max_body_bytes = 1 << 20;
  size_t max_events = 1000;
  size_t max_depth = 64;
  size_t max_id_length = 128;
  size_t max_type_length = 256;
  size_t max_source_length = 1024;
};

// A successfully parsed body.
struct ingest_request {
  std::vector<event> events;     // empty only for an empty cloudevents batch
  bool batch = false;            // array / cloudevents-batch: reply with a list
};

struct ingest_error {
  int http_status;
  std::string error;   // short machine code, e.g. "invalid_json"
  std::string detail;  // for humans; printable ASCII, bounded, safe to embed in JSON
};

// A request's headers as received: name (any case) and value.
using http_header_list = std::vector<std::pair<std::string, std::string>>;

// `content_type` is the raw header value (parameters and any case allowed), ""
// if absent. `traceparent_header` is the raw HTTP traceparent header, "" if
// absent. `headers` are all of the request's; only its ce- headers are read.
// The body is parsed once; nothing is kept that refers to it. Thread-safe; the
// only shared state is make_event_id()'s counter.
std::variant<ingest_request, ingest_error> parse_ingest(std::string_view content_type,
                                                        std::string_view body,
                                                        std::string_view traceparent_header,
                                                        const ingest_limits& limits,
                                                        const http_header_list& headers = {});

}  // namespace eventbed
