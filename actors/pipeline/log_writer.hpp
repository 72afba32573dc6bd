// A log writer appends batches of events to the Redis events stream.
//
// It owns one Redis connection and blocks on it, so it runs detached (its own
// thread): the scheduler's threads never wait for Redis. The ingest actor keeps
// several writers busy; each batch is one pipelined round trip. When idle, a
// writer pings Redis once a second so readiness notices an outage before a
// client does.
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

using log_writer_actor =
    caf::typed_actor<caf::replies_to<append_atom, ingest_batch>::with<std::vector<append_result>>,
                     caf::reacts_to<poll_atom>>;

struct log_writer_settings {
  std::string name;   // health component and log actor name, e.g. "ingest-writer-0"
  std::string redis;  // HOST:PORT
  std::chrono::seconds dedupe_ttl{86400};
};

// Replies to append with one append_result per event, in order, or with
// errc::redis_unavailable when Redis did not acknowledge the whole batch.
log_writer_actor spawn_log_writer(caf::actor_system& sys, log_writer_settings settings,
                                  health_actor health);

}  // namespace eventbed
