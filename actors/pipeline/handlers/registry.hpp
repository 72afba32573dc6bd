// What processing does with an event, chosen by its type.
//
// Processor actors know nothing about event types: they look the type up here.
// A new type plugs in by registering a handler; no actor changes. Handlers run
// on a processor's own thread and may block, but must not throw: a throwing
// handler is caught and treated as a retryable failure.
//
// A handler is given, beside the event, the trace context its own calls
// continue (a traceparent): the processing span's when that span records,
// else the event's as it came (no span, so nothing new to point at). What a
// handler sends on (forwarder.hpp) carries that one, so the next hop's spans
// are children of this hop's processing.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/event.hpp"

namespace eventbed {

struct handler_result {
  enum class kind {
    processed,  // done: `detail` is the result as JSON text
    failed,     // permanently failed: `detail` is the reason; not retried
    retry,      // failed this time: `detail` is the reason; retried until the delivery limit
  };
  kind outcome = kind::processed;
  std::string detail;

  static handler_result ok(std::string json) { return {kind::processed, std::move(json)}; }
  static handler_result fail(std::string why) { return {kind::failed, std::move(why)}; }
  static handler_result again(std::string why) { return {kind::retry, std::move(why)}; }
};

using event_handler = std::function<handler_result(const event&, std::string_view traceparent)>;

class handler_registry {
 public:
  // Registers `fn` for events of exactly `type`, replacing any earlier one.
  void add(const std::string& type, event_handler fn);

  // The handler for types nobody registered.
  void set_fallback(event_handler fn);

  // Replaces every handler, the fallback included, by decorate(handler): a
  // step that applies to every type (forwarder.hpp) wraps them all at once.
  void wrap(const std::function<event_handler(event_handler)>& decorate);

  // Runs the handler for ev.type (or the fallback) with `traceparent`,
  // turning exceptions into retries.
  handler_result handle(const event& ev, std::string_view traceparent) const;

 private:
  std::unordered_map<std::string, event_handler> handlers_;
  event_handler fallback_;
};

}  // namespace eventbed
