// The ingest actors: group commit of client requests into the events stream.
//
// The ingest role is `writers` ingest actors. Each runs detached (its own
// thread) with its own Redis connection, and callers spread requests over
// them with ingest_pool::next(). A request waits in an actor's mailbox while
// the actor's round trip is in flight; then the actor takes every request
// that arrived meanwhile (whole requests, up to batch_events events) as its
// next batch: one pipelined round trip. Under load, batches grow by
// themselves; at low load, a request goes out alone and immediately.
//
// A client is answered only after Redis acknowledged its events, and the
// actor answers from its own thread as soon as it has: a request crosses
// from the caller's thread to the actor's and back, nothing else.
//
// Backpressure: each actor holds at most its share of queue_limit events
// (queue_limit / writers) waiting for Redis, counted from when it takes a
// request off its mailbox to when it answers it; a request that would pass
// it is answered errc::overloaded (503) when its actor takes it, which is at
// most one round trip after it arrived. A round
// trip that fails answers errc::redis_unavailable to its requests and, at
// once, to every request that was already waiting in that actor, instead of
// letting each wait for the same Redis. A round trip is bounded by `timeout`
// (the connection's I/O timeout).
//
// With ack_replicas N > 0, a batch is answered only once Redis's WAIT says N
// replicas hold it: one WAIT per round trip, after the XADD replies, bounded
// by ack_timeout. Fewer in time fails the batch like a failed round trip
// (503), though its events are in the primary's log and may survive: a retry
// with the same client id is answered as a duplicate. WAIT makes a 202 mean
// "on N+1 servers", not that Redis is strongly consistent (actors/pipeline/README.md#replicas).
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/pipeline/health.hpp"
#include "actors/pipeline/messages.hpp"
#include "storage/log_names.hpp"
#include "storage/redis_endpoint.hpp"

namespace eventbed {

// Either a request answered with the results, or a callback (see
// append_callback) called with them; both in the order of the batch's events.
using ingest_actor = caf::typed_actor<
    caf::replies_to<ingest_atom, ingest_batch>::with<std::vector<append_result>>,
    caf::reacts_to<ingest_atom, ingest_batch, append_callback>>;

struct ingest_settings {
  redis_endpoint redis;                      // where and how to connect
  int writers = 2;                        // ingest actors, each with a connection and a round trip in flight
  size_t batch_events = 2048;             // most events in one round trip
  size_t queue_limit = 100000;            // most events waiting for Redis, split evenly over the actors
  std::chrono::milliseconds timeout{5000};  // Redis silent this long: the batch fails
  std::chrono::seconds dedupe_ttl{86400};
  log_names names;  // the Redis keys, under --key-prefix
  int ack_replicas = 0;                    // replicas that must hold a batch before 202
  std::chrono::milliseconds ack_timeout{1000};  // how long WAIT waits for them
};

// The ingest actors of one process. Copies share them.
class ingest_pool {
 public:
  explicit ingest_pool(std::vector<ingest_actor> actors);

  // The actor for the next request: round robin, safe from any thread.
  const ingest_actor& next() const;

  const std::vector<ingest_actor>& actors() const { return *actors_; }

 private:
  std::shared_ptr<const std::vector<ingest_actor>> actors_;
  std::shared_ptr<std::atomic<size_t>> next_;
};

// Spawns settings.writers ingest actors; ingest actor i reports its health
// as health_component::ingest_writer(i).
ingest_pool spawn_ingest(caf::actor_system& sys, const ingest_settings& settings,
                         health_actor health);

}  // namespace eventbed
