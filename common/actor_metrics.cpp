#include "common/actor_metrics.hpp"

#include <cmath>
#include <mutex>
#include <utility>

namespace eventbed {

actor_metrics actor_metrics::resolve(const std::string& actor) {
  // Serializes the read of the instance count with its increment, so two
  // actors of a kind starting at once get different indexes.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  auto& r = metrics::global();
  metrics::labels kind = {{"actor", actor}};
  actor_metrics m;
  m.messages_ = &r.add_counter("eventbed_actor_messages_total",
                               "Messages handled, by actor (a poll counts as one).", kind);
  m.events_ = &r.add_counter("eventbed_actor_events_total",
                             "Events the handled messages carried, by actor (a batch counts its events).",
                             kind);
  m.busy_ = &r.add_histogram("eventbed_actor_processing_seconds",
                             "Busy time per handled message, by actor: waiting for work excluded.",
                             metrics::latency_buckets(), kind);
  m.instances_ = &r.add_gauge("eventbed_actor_instances", "Actors of each kind alive in the process.",
                              kind);
  auto index = static_cast<long>(std::lround(m.instances_->value()));
  m.mailbox_ = &r.add_gauge("eventbed_actor_mailbox_depth",
                            "Messages waiting in an actor's mailbox when its last message started.",
                            {{"actor", actor}, {"index", std::to_string(index)}});
  m.failures_ = &r.add_counter("eventbed_actor_failures_total",
                               "Handler failures (I/O errors, exceptions), by actor.", kind);
  m.instances_->add(1);
  return m;
}

actor_metrics::actor_metrics(actor_metrics&& other) noexcept {
  *this = std::move(other);
}

actor_metrics& actor_metrics::operator=(actor_metrics&& other) noexcept {
  if (this != &other) {
    release();
    messages_ = std::exchange(other.messages_, nullptr);
    events_ = std::exchange(other.events_, nullptr);
    busy_ = std::exchange(other.busy_, nullptr);
    instances_ = std::exchange(other.instances_, nullptr);
    mailbox_ = std::exchange(other.mailbox_, nullptr);
    failures_ = std::exchange(other.failures_, nullptr);
  }
  return *this;
}

actor_metrics::~actor_metrics() {
  release();
}

void actor_metrics::release() noexcept {
  if (instances_)
    instances_->add(-1);
  instances_ = nullptr;
}

actor_message::actor_message(const actor_metrics& m, size_t mailbox_depth) noexcept
    : m_(m), start_(clock::now()) {
  m_.messages_->inc();
  m_.mailbox_->set(static_cast<double>(mailbox_depth));
}

actor_message::~actor_message() {
  auto busy = clock::now() - start_ - waited_;
  m_.busy_->observe(std::chrono::duration<double>(busy).count());
}

}  // namespace eventbed
