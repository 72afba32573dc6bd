// A W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace id, the
// id of the span that is the parent of what comes next, and the sampled flag.
//
// It is parsed from and written back as a version-00 traceparent header,
// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", the form every
// event carries through both streams (storage/event.hpp). Ids are kept as
// bytes because that is what OTLP sends (common/otlp_encoding.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eventbed::tracing {

using trace_id = std::array<uint8_t, 16>;
using span_id = std::array<uint8_t, 8>;

struct trace_context {
  trace_id trace{};
  span_id span{};  // the parent id of a traceparent: the span that comes before
  bool sampled = false;

  // "00-<trace>-<span>-01" (or "-00" when not sampled).
  std::string traceparent() const;
};

// The context of a valid version-00 traceparent (lowercase hex, no all-zero
// id), else nothing.
std::optional<trace_context> parse_traceparent(std::string_view value);

// Random, never all-zero ids, from a per-thread generator.
trace_id random_trace_id();
span_id random_span_id();

}  // namespace eventbed::tracing
