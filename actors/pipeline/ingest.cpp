#include "actors/pipeline/ingest.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <deque>
#include <functional>
#include <memory>

#include "actors/pipeline/log_writer.hpp"
#include "actors/pipeline/pipeline_metrics.hpp"

namespace eventbed {

namespace {

// Resolved on first use, then a plain reference: no lock on the hot path.
actor_metrics& ingest_metrics() {
  static actor_metrics& m = actor_metrics::of("ingest");
  return m;
}

using completion = std::function<void(caf::expected<std::vector<append_result>>)>;

struct waiting_request {
  ingest_batch batch;  // emptied once handed to a writer
  size_t count;        // events of this request, for slicing the writer's answer
  completion done;     // delivers a response promise or calls an append_callback
};

struct ingest_state {
  ingest_settings settings;
  std::deque<waiting_request> queue;
  size_t queued_events = 0;
  std::vector<log_writer_actor> idle_writers;
  static inline const char* name = "ingest";
};

using self_ptr = ingest_actor::stateful_pointer<ingest_state>;

void flush(self_ptr self);

// Hands each request of a finished batch its slice of the writer's answer.
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
std::shared_ptr<std::vector<waiting_request>> take_batch(ingest_state& st, ingest_batch& out) {
  auto taken = std::make_shared<std::vector<waiting_request>>();
  while (!st.queue.empty()) {
    auto& front = st.queue.front();
    auto n = front.count;
    if (!taken->empty() && out.events.size() + n > st.settings.batch_events)
      break;
    for (size_t i = 0; i < n; ++i)
      out.events.push_back(std::move(front.batch.events[i]));
    st.queued_events -= n;
    front.batch = {};
    taken->push_back(std::move(front));
    st.queue.pop_front();
  }
  return taken;
}

void fail_queue(ingest_state& st, const caf::error& err) {
  pipeline_metrics::get().rejected_redis.inc(st.queue.size());
  for (auto& req : st.queue)
    req.done(err);
  st.queue.clear();
  st.queued_events = 0;
}

void flush(self_ptr self) {
  auto& st = self->state;
  while (!st.queue.empty() && !st.idle_writers.empty()) {
    auto writer = st.idle_writers.back();
    st.idle_writers.pop_back();
    ingest_batch batch;
    auto requests = take_batch(st, batch);
    auto expected = batch.events.size();
    self->request(writer, st.settings.timeout, append_atom::value, std::move(batch))
        .then(
            [=](std::vector<append_result>& results) {
              if (results.size() == expected) {
                answer(*requests, results);
              } else {
                auto err = make_error(errc::storage_failure, "log answered for " +
                                                                 std::to_string(results.size()) +
                                                                 " of " + std::to_string(expected) +
                                                                 " events");
                for (auto& r : *requests)
                  r.done(err);
              }
              self->state.idle_writers.push_back(writer);
              flush(self);
            },
            [=](caf::error& err) {
              pipeline_metrics::get().rejected_redis.inc(requests->size());
              // A timeout is reported as redis_unavailable: the client may retry.
              auto reported = err.category() == error_category
                                  ? err
                                  : make_error(errc::redis_unavailable, caf::to_string(err));
              for (auto& r : *requests)
                r.done(reported);
              // Queued requests would meet the same Redis: answer them now
              // (503, retry later) rather than let them wait out more timeouts.
              fail_queue(self->state, reported);
              self->state.idle_writers.push_back(writer);
              flush(self);
            });
  }
}

// Queues a request, or answers it at once when it is empty or the queue is full.
void enqueue(self_ptr self, ingest_batch& batch, completion done) {
  auto& st = self->state;
  auto n = batch.events.size();
  if (n == 0)
    return done(std::vector<append_result>{});
  if (st.queued_events + n > st.settings.queue_limit) {
    pipeline_metrics::get().rejected_overload.inc();
    return done(make_error(errc::overloaded, "ingest queue is full (" +
                                                 std::to_string(st.queued_events) +
                                                 " events waiting for Redis)"));
  }
  st.queued_events += n;
  st.queue.push_back(waiting_request{std::move(batch), n, std::move(done)});
  flush(self);
}

void count_message(self_ptr self) {
  ingest_metrics().mailbox.set(static_cast<double>(self->mailbox().size()));
}

ingest_actor::behavior_type ingest_impl(self_ptr self, ingest_settings settings,
                                        health_actor health) {
  auto& st = self->state;
  st.settings = std::move(settings);
  for (int i = 0; i < st.settings.writers; ++i) {
    log_writer_settings ws;
    ws.name = health_component::ingest_writer(i);
    ws.redis = st.settings.redis;
    ws.dedupe_ttl = st.settings.dedupe_ttl;
    auto writer = spawn_log_writer(self->system(), std::move(ws), health);
    self->link_to(writer);
    st.idle_writers.push_back(writer);
  }
  return {
      [=](ingest_atom, ingest_batch& batch) -> caf::result<std::vector<append_result>> {
        actor_timer timer(ingest_metrics());
        count_message(self);
        auto promise = self->make_response_promise<std::vector<append_result>>();
        enqueue(self, batch, [promise](caf::expected<std::vector<append_result>> r) mutable {
          if (r)
            promise.deliver(std::move(*r));
          else
            promise.deliver(std::move(r.error()));
        });
        return promise;
      },
      [=](ingest_atom, ingest_batch& batch, append_callback& callback) {
        actor_timer timer(ingest_metrics());
        count_message(self);
        enqueue(self, batch, std::move(callback.done));
      },
  };
}

}  // namespace

ingest_actor spawn_ingest(caf::actor_system& sys, const ingest_settings& settings,
                          health_actor health) {
  return sys.spawn(ingest_impl, settings, std::move(health));
}

}  // namespace eventbed
