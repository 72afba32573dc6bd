// The metrics of one actor, resolved when it starts, and the meter of one message.
//
//   struct my_state { actor_metrics metrics; ... };
//   self->state.metrics = actor_metrics::resolve("processor");   // at start: lock + lookups
//   ...
//   auto msg = metered(self);                                         // per message
//   auto batch = msg.waiting([&] { return read_with_block(); });      // not busy
//   msg.events(batch.size());
//
// resolve() registers (or finds) the actor's series in metrics::global(): it
// takes the registry's lock and looks names up, so it runs once per actor, at
// start. From then on an actor_message does, per message, two or four
// steady-clock reads and a few relaxed atomic adds through plain pointers: no
// lock, no lookup, no allocation (tests/common/actor_metrics_test.cpp counts
// the allocations).
//
// The series, all labelled actor="<kind>" (ingest, processor, ...):
//   eventbed_actor_messages_total       messages handled; a poll is one message
//   eventbed_actor_events_total         events those messages carried: an
//                                       ingest request counts its events, a
//                                       poll the entries it read (0 if none)
//   eventbed_actor_processing_seconds   busy time per message: from the start
//                                       of its handler to its end, minus the
//                                       time spent in waiting() (a read that
//                                       blocks until work arrives). Its _sum
//                                       is the kind's busy seconds.
//   eventbed_actor_instances            actors of the kind alive, so that
//                                       rate(_sum) / instances is the busy
//                                       share of one actor (0..1)
//   eventbed_actor_mailbox_depth        per actor (label index="0", "1"...):
//                                       mailbox length when its current
//                                       message started
//   eventbed_actor_failures_total       handler failures, I/O errors
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/metrics.hpp"

namespace eventbed {

class actor_metrics {
 public:
  // Unresolved: holds no series; only resolve() makes a usable one.
  actor_metrics() = default;
  // The series of one more actor of kind `actor`; its mailbox gauge's index
  // is the number of actors of that kind alive when it starts.
  static actor_metrics resolve(const std::string& actor);

  actor_metrics(actor_metrics&& other) noexcept;
  actor_metrics& operator=(actor_metrics&& other) noexcept;
  actor_metrics(const actor_metrics&) = delete;
  actor_metrics& operator=(const actor_metrics&) = delete;
  ~actor_metrics();  // one instance fewer

  bool resolved() const noexcept { return messages_ != nullptr; }
  metrics::counter& failures() const noexcept { return *failures_; }

 private:
  friend class actor_message;
  void release() noexcept;

  metrics::counter* messages_ = nullptr;
  metrics::counter* events_ = nullptr;
  metrics::histogram* busy_ = nullptr;
  metrics::gauge* instances_ = nullptr;
  metrics::gauge* mailbox_ = nullptr;
  metrics::counter* failures_ = nullptr;
};

// One message being handled: construct it first thing in the handler.
class actor_message {
 public:
  using clock = std::chrono::steady_clock;

  // Counts the message and records `mailbox_depth`, the messages still waiting.
  actor_message(const actor_metrics& m, size_t mailbox_depth) noexcept;
  // Observes the busy time: since construction, minus the time in waiting().
  ~actor_message();
  actor_message(const actor_message&) = delete;
  actor_message& operator=(const actor_message&) = delete;

  // The message carried `n` events (adds up over calls).
  void events(uint64_t n) noexcept { m_.events_->inc(n); }

  // Runs `wait` (a read that blocks until work arrives) off the busy clock.
  template <class F>
  decltype(auto) waiting(F&& wait) {
    struct off_clock {
      clock::duration& waited;
      clock::time_point from = clock::now();
      ~off_clock() { waited += clock::now() - from; }
    } scope{waited_};
    return wait();
  }

 private:
  const actor_metrics& m_;
  clock::time_point start_;
  clock::duration waited_{0};
};

// The meter of the message `self` is handling: `self` is a stateful actor
// (CAF's self pointer) whose state holds its resolved actor_metrics as
// `metrics`. Its mailbox depth is what still waits behind this message.
template <class Self>
actor_message metered(Self* self) {
  return actor_message(self->state.metrics, self->mailbox().size());
}

}  // namespace eventbed
