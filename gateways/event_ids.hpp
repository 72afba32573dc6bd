// Identifiers that ingest assigns: event ids and W3C trace context.
//
// Event ids are UUIDv7 (RFC 9562) so that the ids of one process sort in the
// order the process created them, even within one millisecond: projections and
// humans can order events by id alone. Traceparents follow W3C Trace Context
// level 1 so an event can be followed across roles by any tracing tool.
//
// All functions are thread-safe and allocate only the returned string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace eventbed {

// A new UUIDv7 in canonical text form: 36 characters, lowercase hex, e.g.
// "01890a5d-ac96-774b-bcce-b302099a8057". Layout: 48-bit unix milliseconds,
// version 7, then a 16-bit per-process counter (12 bits in rand_a, 4 at the top
// of rand_b), variant 0b10, and 58 random bits. Within a process every id is
// strictly greater than the previous one, also across threads and if the
// system clock steps back (the timestamp then stays ahead until the clock
// catches up, as RFC 9562 section 6.2 allows).
std::string make_event_id();

// True if `id` may name an event: 1..max_length characters of [A-Za-z0-9._:-],
// and not "." or "..". Ids appear in URL paths, Redis keys and logs, so the set
// excludes separators, quoting, whitespace and anything a path would resolve.
// Ingest and GET /events/{id} share this rule so every stored id is fetchable.
bool valid_event_id(std::string_view id, size_t max_length);

// A fresh traceparent "00-<trace-id>-<parent-id>-01": random non-zero 128-bit
// trace id and 64-bit parent id, flags "sampled" (common/trace_context.hpp).
std::string make_traceparent();

// True if `value` is a version-00 traceparent: "00-", 32 lowercase hex digits
// not all zero, "-", 16 lowercase hex digits not all zero, "-", 2 lowercase
// hex digits. Other versions are rejected because their format is not known.
// The rule is common/trace_context.hpp's parse_traceparent().
bool valid_traceparent(std::string_view value);

}  // namespace eventbed
