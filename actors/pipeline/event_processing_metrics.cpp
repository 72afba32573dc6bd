#include "actors/pipeline/event_processing_metrics.hpp"

#include <mutex>
#include <set>

namespace eventbed {

namespace {

metrics::histogram& series(const std::string& type) {
  return metrics::global().add_histogram(
      "eventbed_event_processing_seconds",
      "Time from a processor taking an event to its outcome being written, by event type.",
      metrics::latency_buckets(), {{"type", type}});
}

// The types that have a series of their own, shared by the processors of the
// process so that the bound holds for the process, not per processor.
struct type_budget {
  std::mutex mu;
  std::set<std::string> named;

  // Whether `type` has a series of its own; once none is left, `*all` gets
  // every type that has one (the set no longer changes).
  bool admit(const std::string& type, std::set<std::string>* all) {
    std::lock_guard<std::mutex> lock(mu);
    if (named.count(type))
      return true;
    if (named.size() < event_processing_metrics::max_types) {
      named.insert(type);
      return true;
    }
    *all = named;
    return false;
  }
};

type_budget& budget() {
  static type_budget b;
  return b;
}

}  // namespace

event_processing_metrics::event_processing_metrics() : other_(&series("other")) {}

metrics::histogram& event_processing_metrics::of(const std::string& type) {
  auto it = known_.find(type);
  if (it != known_.end())
    return *it->second;
  if (full_)
    return *other_;
  std::set<std::string> all;
  if (budget().admit(type, &all))
    return *known_.emplace(type, &series(type)).first->second;
  // From now on a type this processor does not know is "other", with no lock.
  full_ = true;
  for (const auto& t : all)
    known_.emplace(t, &series(t));
  return *other_;
}

}  // namespace eventbed
