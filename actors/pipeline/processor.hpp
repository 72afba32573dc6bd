// A processor actor: one consumer of the "processors" consumer group.
//
// Each runs detached with its own Redis connection and loops: read a batch
// (XREADGROUP), run each event's handler, then append every outcome and
// acknowledge the batch in one MULTI/EXEC round trip. At-least-once: a crash
// before the EXEC leaves the entries pending, and some processor (in this or
// another process) takes them over with XAUTOCLAIM once they have been idle
// for `claim_idle`. An event delivered `max_deliveries` times without success
// is failed with its last reason: never lost, never retried forever.
//
// While the stream is idle, a processor waits in XREADGROUP BLOCK for up to a
// second; a new entry ends the wait at once, and so does a message (the exit
// at shutdown: see wakeable_actor.hpp).
//
// Recovery does not wait for that takeover where it need not: at startup and
// after any Redis error, a processor first reads back the entries still
// pending at its own consumer name and processes them, then reads new ones.
// And while a batch runs, the idle time of its entries is reset every third of
// `claim_idle`, so only a dead or stalled processor's entries are taken over,
// never a batch that is merely slow (a single handler slower than `claim_idle`
// still can be).
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "actors/pipeline/handlers/registry.hpp"
#include "actors/pipeline/health.hpp"
#include "actors/pipeline/messages.hpp"
#include "common/fault_injection.hpp"
#include "storage/log_names.hpp"
#include "storage/redis_endpoint.hpp"

namespace eventbed {

using processor_actor = caf::typed_actor<caf::reacts_to<poll_atom>>;

struct processor_settings {
  redis_endpoint redis;        // where and how to connect
  std::string consumer;     // unique in the group: "<instance>-<index>"
  size_t batch = 256;
  uint32_t max_deliveries = 5;
  std::chrono::milliseconds claim_idle{10000};
  fault_injection faults;     // experiment knobs: injected errors, latency, CPU cost
  bool reports_group = false;  // publishes the group's pending/lag gauges (one per process)
  log_names names;  // the Redis keys, under --key-prefix
};

// Starts polling at once; stops between batches when it receives an exit
// message, which also ends a read waiting for new entries. An exit that finds
// a batch in hand lets it finish (outcomes written and acknowledged) and
// starts no new one; that it landed mid-batch is logged at info level, with
// how many of the batch's entries were still to run:
//   stop requested mid-batch: 12 of 32 entries still to run; finished: 32
//   outcomes written and acknowledged, 0 left pending for a retry
processor_actor spawn_processor(caf::actor_system& sys, processor_settings settings,
                                std::shared_ptr<const handler_registry> handlers,
                                health_actor health);

}  // namespace eventbed
