// The projector: tails both streams into this process's SQLite projection.
//
// It runs detached (Redis and SQLite both block) and loops: XREAD the events
// and outcomes streams after its checkpoint, then apply the entries and the
// new checkpoint in one SQLite transaction. A crash between the two loses
// nothing: the checkpoint only moves with the rows. Caught up, it waits in
// XREAD BLOCK for up to a second; new entries end the wait at once, and so
// does a message (the exit at shutdown: see wakeable_actor.hpp). It reports
// "projection" to the health actor: ok while it has been caught up within
// ready_max_lag.
// Once a second it announces its checkpoint (so the log is not trimmed past
// it) and checks that nothing it still needed was trimmed; if something was,
// it says so loudly (error log, eventbed_projection_gap, not ready) instead
// of silently skipping events.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <string>

#include "actors/pipeline/health.hpp"
#include "actors/pipeline/messages.hpp"
#include "common/schema_versions.hpp"
#include "storage/log_names.hpp"
#include "storage/redis_endpoint.hpp"

namespace eventbed {

using projector_actor = caf::typed_actor<caf::reacts_to<poll_atom>>;

struct projector_settings {
  redis_endpoint redis;    // where and how to connect
  std::string db_path;  // the SQLite file; created if missing
  size_t batch = 2000;  // entries per XREAD of each stream
  std::chrono::milliseconds ready_max_lag{5000};
  std::string name = "projection";  // announced with the checkpoint so trimming waits for it
  schema_version_set schema_versions;  // the event versions the summary reads (widget_summary.hpp)
  log_names names;  // the Redis keys, under --key-prefix
};

// Opens (or creates) the projection before returning, so readers can open it at once.
// A file of another projection schema, or built knowing other event schema
// versions, is deleted first and rebuilt from the log (eventbed_projection_rebuilds_total).
// Throws storage_error if the SQLite file cannot be opened.
projector_actor spawn_projector(caf::actor_system& sys, projector_settings settings,
                                health_actor health);

}  // namespace eventbed
