// eventbed_event_processing_seconds{type}: the time from when a processor
// takes an event (its read returned) to when the event's outcome is written
// (the MULTI/EXEC of outcomes and acks returned), by event type.
//
// Event types come from clients, so the label set is bounded: the first
// max_types types this process sees get a series each, every later type is
// counted under type="other". A processor keeps one of these in its state: a
// type it has seen is a lookup in its own map (no lock, no allocation); only
// a type new to it takes a lock, until the budget of types is spent; after
// that, unknown types go to "other" with no lock.
#pragma once

#include <string>
#include <unordered_map>

#include "common/metrics.hpp"

namespace eventbed {

class event_processing_metrics {
 public:
  static constexpr size_t max_types = 32;

  event_processing_metrics();

  metrics::histogram& of(const std::string& type);

 private:
  std::unordered_map<std::string, metrics::histogram*> known_;
  metrics::histogram* other_;
  bool full_ = false;  // known_ holds every named type: the rest is "other"
};

}  // namespace eventbed
