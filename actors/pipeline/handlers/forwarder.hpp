// Chained services: after an event is processed here, hand it on to a
// downstream eventbed's POST /ingest (--forward-to), so deployments chain
// A -> B -> C, each with its own faults (--inject-error-rate,
// --inject-latency-ms) and its own keys (--key-prefix) in one Redis or many.
//
// Forwarding is a step of processing, not a side effect after it: an event
// counts as processed only once the downstream answered 202, so it is never
// acknowledged here and lost there.
//   - The downstream id is the upstream id, sent as a client-supplied id: a
//     retry (the next try, the next delivery, another processor after a
//     takeover) is answered as a duplicate by the downstream's dedupe and adds
//     nothing there. One id also finds the event at every hop.
//   - The body is the plain JSON form (id, type, source, data and the trace
//     context), or, for an event that has CloudEvents attributes the plain
//     form has no member for (time, subject, dataschema, extensions,
//     datacontenttype), a CloudEvent in structured mode with all of them, each
//     value's JSON text as the upstream stored it: the downstream event keeps
//     the upstream's attributes. The traceparent is the one the handler was
//     given (registry.hpp): the upstream processing span's, so the
//     downstream request span is its child in the same trace; or, when that
//     span does not record, the event's own, passed on unchanged. Events
//     whose data is not JSON fail permanently: neither form is given raw
//     bytes.
//   - Within one delivery, a failed try (no answer, a 5xx, 408 or 429) is
//     repeated after a backoff that doubles from `first_backoff` (or the
//     answer's Retry-After, if longer, up to `max_backoff`), `tries` times in
//     all; then the delivery is a retryable failure, and the processor's
//     delivery limit turns the last one into `failed` with the reason, like
//     any processing failure. Another 4xx fails at once: it will not change.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "actors/pipeline/handlers/registry.hpp"

namespace eventbed {

struct forward_settings {
  std::string url;                 // the downstream's base URL or its /ingest URL
  std::vector<std::string> types;  // forward only events of these types; empty: every type
  int tries = 4;                   // per delivery
  std::chrono::milliseconds first_backoff{50};
  std::chrono::milliseconds max_backoff{1000};
  double timeout = 2;              // seconds per try, connect included
};

// Makes every handler of `handlers` (the fallback included) forward what it
// processed, for the chosen types. Each processor thread gets its own HTTP
// client, with one kept-alive connection.
void forward_processed(handler_registry& handlers, forward_settings settings);

// The POST /ingest request forwarding sends for `ev` (JSON data only), with
// `traceparent` as its trace context, both as the header (the downstream's
// request span is its child) and as the event's member; left out when that
// is not a valid one (the downstream then starts a trace).
struct forward_request {
  std::string content_type;  // application/json, or application/cloudevents+json
  std::string body;
  std::string traceparent;   // the header's value, "" for none
};
forward_request next_hop_request(const event& ev, std::string_view traceparent);

}  // namespace eventbed
