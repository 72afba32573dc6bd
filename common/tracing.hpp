// Traces over OTLP: the spans eventbed's actors record, and the switch that
// makes them cost nothing when no collector is configured.
//
// Off unless start() is given an endpoint: every span point is then one
// branch on on(), a relaxed load of a flag, and nothing else (the figure is in
// bench/README.md#tracing). On, a span point asks the sampler
// (common/trace_sampler.hpp) whether its trace is recorded; a recorded span
// is filled in on the actor's thread and, when it ends, queued for the
// batching exporter (common/span_exporter.hpp).
//
// The settings are OpenTelemetry's standard environment variables, read by
// settings_from_environment():
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   the traces URL as is, or else
//   OTEL_EXPORTER_OTLP_ENDPOINT          a base URL, to which /v1/traces is appended
//   OTEL_EXPORTER_OTLP_(TRACES_)HEADERS  "name=value,..." sent with every export
//   OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT  milliseconds per export (10000)
//   OTEL_RESOURCE_ATTRIBUTES             "key=value,..." (percent-encoded values) set
//                                        over the caller's resource attributes
//   OTEL_SERVICE_NAME                    service.name, over both
//   OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG
//   OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE
//   OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none   tracing stays off
// The protocol is http/protobuf, whatever OTEL_EXPORTER_OTLP_PROTOCOL says.
//
// A span that is not recorded still has a context: the parent's trace id (a
// fresh one for a root), a fresh span id and sampled = false, so a caller can
// pass its decision on in a traceparent either way.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/span_data.hpp"
#include "common/span_exporter.hpp"
#include "common/trace_context.hpp"
#include "common/trace_sampler.hpp"

namespace eventbed::tracing {

namespace detail {
inline std::atomic<bool> active{false};
}

// True between start() with an endpoint and stop(): the one test at every span point.
inline bool on() noexcept { return detail::active.load(std::memory_order_relaxed); }

struct settings {
  exporter_settings exporter;  // exporter.url empty: tracing off
  sampler sampling;
};

// From the OTEL_* variables above. `resource` is what the caller says about
// itself (service.name's default, service.version, ...): an attribute of
// OTEL_RESOURCE_ATTRIBUTES replaces the caller's of the same key, and
// OTEL_SERVICE_NAME replaces service.name, as OpenTelemetry's specification
// orders them. What was wrong with the variables (an unknown sampler, a bad
// number, a malformed entry) goes to `problems`, one sentence each naming no
// value, and the default is used instead.
settings settings_from_environment(resource_info resource, std::vector<std::string>& problems);

// Turns tracing on if `s.exporter.url` is set: starts the exporter. Call
// before the actors start; not thread-safe against span points.
void start(settings s);
// Turns it off and sends what is queued. Call after the actors stopped.
void stop();

class span {
 public:
  span() = default;  // records nothing, has no context
  span(span&&) noexcept = default;
  span& operator=(span&& other) noexcept;
  ~span() { end(); }

  bool recording() const noexcept { return data_ != nullptr; }
  const trace_context& context() const noexcept { return ctx_; }

  // Each does nothing when the span is not recording.
  void set(std::string key, attribute_value value);
  void link(const trace_context& other);  // at most 128; the rest are counted
  void fail(std::string message);         // status ERROR
  void end();                             // once; later calls do nothing

 private:
  friend span start_span(std::string_view, span_kind, const trace_context*);
  friend span start_linked_span(std::string_view, span_kind);
  void record(std::string_view name, span_kind kind, const trace_context* parent);
  trace_context ctx_;
  std::unique_ptr<span_data> data_;
};

// A span starting now. `parent` is the remote or in-process parent, null for
// a root; the sampler decides whether it records. Call only when on().
span start_span(std::string_view name, span_kind kind, const trace_context* parent);

// A root span that records whatever the sampler says: for work done for many
// traces at once, whose caller decided from the contexts it links to.
span start_linked_span(std::string_view name, span_kind kind);

// The span a thread is inside of, for the code it calls to link to: set by a
// current_span guard, null outside one.
const trace_context* current();

class current_span {
 public:
  explicit current_span(const trace_context& ctx);
  ~current_span();
  current_span(const current_span&) = delete;
  current_span& operator=(const current_span&) = delete;

 private:
  const trace_context* previous_;
};

}  // namespace eventbed::tracing
