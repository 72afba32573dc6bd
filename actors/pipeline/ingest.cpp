#include "actors/pipeline/ingest.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <cassert>
#include <deque>
#include <functional>
#include <iterator>
#include <optional>
#include <utility>

#include "actors/pipeline/pipeline_metrics.hpp"
#include "common/actor_metrics.hpp"
#include "common/logging.hpp"
#include "common/tracing.hpp"
#include "storage/event_log.hpp"
#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

/* ------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------ */

using clock = std::chrono::steady_clock;
constexpr auto idle_ping_every = std::chrono::seconds(1);

// Messages an ingest actor sends itself; they are not part of its interface.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using ingest_impl_actor = ingest_actor::extend<caf::reacts_to<flush_atom>, caf::reacts_to<resume_atom>,
                                               caf::reacts_to<poll_atom>>;

using completion = std::function<void(caf::expected<std::vector<append_result>>)>;

struct waiting_request {
  ingest_batch batch;  // emptied once taken into a round trip
  size_t count;        // events of this request, for slicing the log's answer
  completion done;     // delivers a response promise or calls an append_callback
};

struct ingest_state {
  ingest_settings settings;
  std::string label;  // "ingest-writer-N": health component and log actor field
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<event_log> log;
  std::unique_ptr<health_reporter> health;
  size_t queue_limit = 0;  // this actor's share of settings.queue_limit
  size_t waiting = 0;      // events taken and not yet answered
  std::deque<waiting_request> queue;
  bool flush_sent = false;  // a flush_atom is in the mailbox
  // Set when a round trip failed, until the resume_atom sent then comes back:
  // exactly the requests that were in the mailbox at the failure fail at once.
  std::string failing;
  clock::time_point last_io{};
  actor_metrics metrics;  // resolved at start
  static inline const char* name = "ingest";
};

using self_ptr = ingest_impl_actor::stateful_pointer<ingest_state>;

/* ------------------------------------------------------------------------
 * Taking requests
 * ------------------------------------------------------------------------ */

// The flush queues behind every request already in the mailbox: all of them
// join the next batch. At most one is ever in the mailbox.
void schedule_flush(self_ptr self) {
  if (!self->state.flush_sent) {
    self->state.flush_sent = true;
    self->send(self, flush_atom::value);
  }
}

void take(self_ptr self, ingest_batch& batch, completion done) {
  auto& st = self->state;
  auto n = batch.events.size();
  if (n == 0)
    return done(std::vector<append_result>{});
  auto& pm = pipeline_metrics::get();
  if (!st.failing.empty()) {
    pm.rejected_redis.inc();
    return done(make_error(errc::redis_unavailable, st.failing));
  }
  if (st.waiting + n > st.queue_limit) {
    pm.rejected_overload.inc();
    return done(make_error(errc::overloaded, "ingest queue is full (" + std::to_string(st.waiting) +
                                                 " events waiting for Redis)"));
  }
  st.waiting += n;
  st.queue.push_back(waiting_request{std::move(batch), n, std::move(done)});
  schedule_flush(self);
}

/* ------------------------------------------------------------------------
 * One round trip
 * ------------------------------------------------------------------------ */

// Hands each request its slice of the log's answer.
void answer(std::vector<waiting_request>& requests, std::vector<append_result>& results) {
  size_t offset = 0;
  for (auto& req : requests) {
    auto n = req.count;
    std::vector<append_result> slice(std::make_move_iterator(results.begin() + offset),
                                     std::make_move_iterator(results.begin() + offset + n));
    offset += n;
    req.done(std::move(slice));
  }
}

// Takes whole requests off the queue until the batch is full (at least one request).
std::vector<waiting_request> take_batch(ingest_state& st, std::vector<event>& out) {
  std::vector<waiting_request> taken;
  while (!st.queue.empty()) {
    auto& front = st.queue.front();
    if (!taken.empty() && out.size() + front.count > st.settings.batch_events)
      break;
    for (auto& ev : front.batch.events)
      out.push_back(std::move(ev));
    front.batch = {};
    taken.push_back(std::move(front));
    st.queue.pop_front();
  }
  return taken;
}

void fail_all(self_ptr self, std::vector<waiting_request>& taken, const std::string& why) {
  auto& st = self->state;
  auto err = make_error(errc::redis_unavailable, why);
  pipeline_metrics::get().rejected_redis.inc(taken.size() + st.queue.size());
  for (auto& r : taken)
    r.done(err);
  for (auto& r : st.queue) {
    st.waiting -= r.count;
    r.done(err);
  }
  st.queue.clear();
  st.failing = why;
  self->send(self, resume_atom::value);
}

// WAIT for the replicas the settings ask for, once for the whole batch: it
// covers every write this connection made before it. "" or the failure.
std::string await_replicas(ingest_state& st) {
  const auto& s = st.settings;
  auto reply = st.conn->command({"WAIT", std::to_string(s.ack_replicas), std::to_string(s.ack_timeout.count())});
  if (reply.type != redis_reply::kind::integer)
    return "WAIT failed: " + reply.str;
  if (reply.integer < s.ack_replicas)
    return std::to_string(reply.integer) + " of " + std::to_string(s.ack_replicas) +
           " replicas acknowledged within " + std::to_string(s.ack_timeout.count()) +
           " ms (the events may be stored: retry with the same id)";
  return "";
}

// The group commit's span: a root (a round trip serves many traces), linked
// to the trace context of every event in it, which is its request's span for
// the events ingest traces. It is recorded when any of them is sampled; while
// the requests are answered it is the thread's current span, so each request
// span links back to it (gateways/public_api.cpp).
tracing::span commit_span(const ingest_state& st, const std::vector<event>& events) {
  std::vector<tracing::trace_context> linked;
  bool any_sampled = false;
  for (const auto& ev : events)
    if (auto ctx = tracing::parse_traceparent(ev.traceparent)) {
      any_sampled |= ctx->sampled;
      linked.push_back(*ctx);
    }
  if (!any_sampled)
    return {};
  auto span = tracing::start_linked_span("append " + st.settings.names.events, tracing::span_kind::producer);
  for (const auto& ctx : linked)
    span.link(ctx);
  span.set("messaging.system", std::string("redis"));
  span.set("messaging.operation", std::string("publish"));
  span.set("messaging.destination.name", st.settings.names.events);
  span.set("messaging.batch.message_count", static_cast<int64_t>(events.size()));
  span.set("eventbed.writer", st.label);
  return span;
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_sent = false;
  if (st.queue.empty())
    return;
  std::vector<event> events;
  auto taken = take_batch(st, events);
  auto expected = events.size();
  tracing::span span;
  std::optional<tracing::current_span> inside;  // while the requests are answered, failed or not
  if (tracing::on()) {
    span = commit_span(st, events);
    if (span.recording())
      inside.emplace(span.context());
  }
  auto& pm = pipeline_metrics::get();
  st.last_io = clock::now();
  std::vector<append_result> results;
  std::string failure;
  try {
    auto started = steady_now_ns();
    results = st.log->append(events);
    pm.redis_append.observe(seconds_since(started));
    if (results.size() != expected)
      failure = "log answered for " + std::to_string(results.size()) + " of " +
                std::to_string(expected) + " events";
    else if (st.settings.ack_replicas > 0)
      failure = await_replicas(st);
  } catch (const storage_error& e) {
    failure = std::string("redis: ") + e.what();
  }
  st.waiting -= expected;
  if (!failure.empty()) {
    span.fail(failure);
    st.metrics.failures().inc();
    st.health->report(false, failure);
    log::warn(st.label, "append failed, answering 503: " + failure);
    fail_all(self, taken, failure);
    return;
  }
  pm.ingest_batch.observe(static_cast<double>(expected));
  uint64_t duplicates = 0;
  for (const auto& r : results)
    duplicates += r.duplicate ? 1 : 0;
  pm.duplicates.inc(duplicates);
  pm.ingested.inc(results.size() - duplicates);
  st.health->report(true);
  span.set("eventbed.duplicates", static_cast<int64_t>(duplicates));
  answer(taken, results);
  if (!st.queue.empty())
    schedule_flush(self);
}

// While idle, a PING a second lets readiness notice an outage before a client does.
void idle_ping(self_ptr self) {
  auto& st = self->state;
  if (clock::now() - st.last_io >= idle_ping_every) {
    st.last_io = clock::now();
    try {
      auto reply = st.conn->command({"PING"});
      st.health->report(reply.type == redis_reply::kind::status, reply.str);
    } catch (const storage_error& e) {
      st.health->report(false, std::string("redis: ") + e.what());
    }
  }
  self->delayed_send(self, idle_ping_every, poll_atom::value);
}

// Every message is metered: requests carry events; a flush's time is the
// round trip that answers them.
ingest_impl_actor::behavior_type ingest_impl(self_ptr self, ingest_settings settings,
                                             std::string label, health_actor health) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.label = label;
  st.queue_limit = std::max<size_t>(1, st.settings.queue_limit / std::max(1, st.settings.writers));
  auto endpoint = st.settings.redis;
  endpoint.io_timeout = st.settings.timeout;
  st.conn = std::make_unique<redis_connection>(endpoint);
  st.log = std::make_unique<event_log>(*st.conn, st.settings.names, st.settings.dedupe_ttl);
  st.health = std::make_unique<health_reporter>(std::move(health), std::move(label));
  st.metrics = actor_metrics::resolve("ingest");
  self->send(self, poll_atom::value);
  return {
      [=](ingest_atom, ingest_batch& batch) -> caf::result<std::vector<append_result>> {
        auto msg = metered(self);
        msg.events(batch.events.size());
        auto promise = self->make_response_promise<std::vector<append_result>>();
        take(self, batch, [promise](caf::expected<std::vector<append_result>> r) mutable {
          if (r)
            promise.deliver(std::move(*r));
          else
            promise.deliver(std::move(r.error()));
        });
        return promise;
      },
      [=](ingest_atom, ingest_batch& batch, append_callback& callback) {
        auto msg = metered(self);
        msg.events(batch.events.size());
        take(self, batch, std::move(callback.done));
      },
      [=](flush_atom) {
        auto msg = metered(self);
        flush(self);
      },
      [=](resume_atom) {
        auto msg = metered(self);
        assert(!self->state.failing.empty());
        self->state.failing.clear();
      },
      [=](poll_atom) {
        auto msg = metered(self);
        idle_ping(self);
      },
  };
}

}  // namespace

ingest_pool::ingest_pool(std::vector<ingest_actor> actors)
    : actors_(std::make_shared<const std::vector<ingest_actor>>(std::move(actors))),
      next_(std::make_shared<std::atomic<size_t>>(0)) {
  assert(!actors_->empty());
}

const ingest_actor& ingest_pool::next() const {
  auto i = next_->fetch_add(1, std::memory_order_relaxed);
  return (*actors_)[i % actors_->size()];
}

ingest_pool spawn_ingest(caf::actor_system& sys, const ingest_settings& settings,
                         health_actor health) {
  std::vector<ingest_actor> actors;
  for (int i = 0; i < settings.writers; ++i)
    actors.push_back(sys.spawn<caf::detached>(ingest_impl, settings, health_component::ingest_writer(i),
                                              health));
  return ingest_pool(std::move(actors));
}

}  // namespace eventbed
