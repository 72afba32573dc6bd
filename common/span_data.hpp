// A finished span, as the exporter queues it and OTLP sends it.
//
// Plain data with the fields OTLP's Span message has that eventbed fills:
// no events, no trace state, string and integer attributes only. Times are
// nanoseconds since the Unix epoch, as OTLP wants them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/trace_context.hpp"

namespace eventbed::tracing {

// OTLP's SpanKind values.
enum class span_kind : uint8_t { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };

using attribute_value = std::variant<std::string, int64_t>;

struct span_link {
  trace_id trace{};
  span_id span{};
};

struct span_data {
  trace_id trace{};
  span_id span{};
  span_id parent{};  // all zero for a root span
  bool has_parent = false;
  std::string name;
  span_kind kind = span_kind::internal;
  uint64_t start_ns = 0, end_ns = 0;
  std::vector<std::pair<std::string, attribute_value>> attributes;
  std::vector<span_link> links;
  uint32_t dropped_links = 0;  // links over the limit, counted rather than sent
  bool error = false;          // OTLP status ERROR, else UNSET
  std::string status_message;  // with error only
};

}  // namespace eventbed::tracing
