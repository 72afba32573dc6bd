// The ingest actor: group commit of client requests into the events stream.
//
// Requests queue here while every log writer is busy; whenever a writer is
// free, all queued requests (up to batch_events) leave as one batch, i.e. one
// pipelined Redis round trip. Under load, batches grow by themselves; at low
// load, a request goes out alone and immediately. A client is answered only
// after Redis acknowledged its events. The queue is bounded: beyond
// queue_limit events, requests fail at once with errc::overloaded (503).
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "actors/pipeline/health.hpp"
#include "actors/pipeline/messages.hpp"

namespace eventbed {

// Either a request answered with the results, or a callback (see
// append_callback) called with them; both in the order of the batch's events.
using ingest_actor = caf::typed_actor<
    caf::replies_to<ingest_atom, ingest_batch>::with<std::vector<append_result>>,
    caf::reacts_to<ingest_atom, ingest_batch, append_callback>>;

struct ingest_settings {
  std::string redis;                      // HOST:PORT
  int writers = 2;                        // concurrent round trips
  size_t batch_events = 2048;             // most events in one round trip
  size_t queue_limit = 100000;            // most events waiting for a writer
  std::chrono::milliseconds timeout{5000};  // a writer silent this long: the batch fails
  std::chrono::seconds dedupe_ttl{86400};
};

ingest_actor spawn_ingest(caf::actor_system& sys, const ingest_settings& settings,
                          health_actor health);

}  // namespace eventbed
