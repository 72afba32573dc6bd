#include "common/otlp_encoding.hpp"

#include <cstring>

namespace eventbed::tracing {

namespace {

/* ------------------------------------------------------------------------
 * Protobuf wire format: varints, fixed64, fixed32 and length-delimited
 * fields (https://protobuf.dev/programming-guides/encoding/).
 * ------------------------------------------------------------------------ */

enum wire_type : uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, uint32_t field, wire_type type) { put_varint(out, field << 3 | type); }

void put_bytes(std::string& out, uint32_t field, const void* data, size_t size) {
  put_tag(out, field, length_delimited);
  put_varint(out, size);
  out.append(static_cast<const char*>(data), size);
}

void put_string(std::string& out, uint32_t field, const std::string& s) {
  if (!s.empty())  // proto3: a default value is not sent
    put_bytes(out, field, s.data(), s.size());
}

void put_fixed64(std::string& out, uint32_t field, uint64_t v) {
  put_tag(out, field, fixed64);
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));  // little endian
}

void put_uint(std::string& out, uint32_t field, uint64_t v) {
  if (v == 0)
    return;
  put_tag(out, field, varint);
  put_varint(out, v);
}

// A nested message: its fields are written by `fill` into a scratch buffer
// first, since the length goes before them.
template <class Fill>
void put_message(std::string& out, uint32_t field, Fill&& fill) {
  std::string inner;
  fill(inner);
  put_bytes(out, field, inner.data(), inner.size());
}

/* ------------------------------------------------------------------------
 * OTLP messages
 * ------------------------------------------------------------------------ */

// common.v1.KeyValue { string key = 1; AnyValue value = 2; }
// common.v1.AnyValue { string string_value = 1; int64 int_value = 3; ... }
void put_attribute(std::string& out, uint32_t field, const std::string& key, const attribute_value& value) {
  put_message(out, field, [&](std::string& kv) {
    put_string(kv, 1, key);
    put_message(kv, 2, [&](std::string& any) {
      if (auto* s = std::get_if<std::string>(&value)) {
        put_bytes(any, 1, s->data(), s->size());  // set even when empty: the oneof says which
      } else {
        put_tag(any, 3, varint);
        put_varint(any, static_cast<uint64_t>(std::get<int64_t>(value)));
      }
    });
  });
}

// trace.v1.Span
void put_span(std::string& out, const span_data& s) {
  put_message(out, 2, [&](std::string& m) {
    put_bytes(m, 1, s.trace.data(), s.trace.size());
    put_bytes(m, 2, s.span.data(), s.span.size());
    if (s.has_parent)
      put_bytes(m, 4, s.parent.data(), s.parent.size());
    put_string(m, 5, s.name);
    put_uint(m, 6, static_cast<uint64_t>(s.kind));
    put_fixed64(m, 7, s.start_ns);
    put_fixed64(m, 8, s.end_ns);
    for (const auto& [key, value] : s.attributes)
      put_attribute(m, 9, key, value);
    for (const auto& link : s.links) {
      // trace.v1.Span.Link { bytes trace_id = 1; bytes span_id = 2; }
      put_message(m, 13, [&](std::string& l) {
        put_bytes(l, 1, link.trace.data(), link.trace.size());
        put_bytes(l, 2, link.span.data(), link.span.size());
      });
    }
    put_uint(m, 14, s.dropped_links);
    if (s.error) {
      // trace.v1.Status { string message = 2; StatusCode code = 3; }, ERROR = 2
      put_message(m, 15, [&](std::string& st) {
        put_string(st, 2, s.status_message);
        put_uint(st, 3, 2);
      });
    }
  });
}

}  // namespace

// collector.trace.v1.ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
// trace.v1.ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
// resource.v1.Resource { repeated KeyValue attributes = 1; }
// trace.v1.ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
// common.v1.InstrumentationScope { string name = 1; string version = 2; }
std::string encode_export_request(const resource_info& resource, const std::vector<span_data>& spans) {
  std::string out;
  put_message(out, 1, [&](std::string& rs) {
    put_message(rs, 1, [&](std::string& r) {
      for (const auto& [key, value] : resource.attributes)
        put_attribute(r, 1, key, value);
    });
    put_message(rs, 2, [&](std::string& ss) {
      put_message(ss, 1, [&](std::string& scope) {
        put_string(scope, 1, resource.scope_name);
        put_string(scope, 2, resource.scope_version);
      });
      for (const auto& s : spans)
        put_span(ss, s);
    });
  });
  return out;
}

}  // namespace eventbed::tracing
