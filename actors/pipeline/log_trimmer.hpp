// The log trimmer keeps the two streams from growing forever, without ever
// removing an entry a consumer or a live projection still needs (see
// storage/log_retention.hpp for the rule). It runs detached in each process
// with the process role; several trimmers at once are harmless, since a trim
// to a safe point is idempotent.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <string>

#include "actors/pipeline/messages.hpp"
#include "storage/log_names.hpp"
#include "storage/redis_endpoint.hpp"

namespace eventbed {

using log_trimmer_actor = caf::typed_actor<caf::reacts_to<poll_atom>>;

struct log_trimmer_settings {
  redis_endpoint redis;  // where and how to connect
  std::chrono::milliseconds every{10000};
  std::chrono::milliseconds retain{86400000};  // entries younger than this are kept regardless
  std::chrono::milliseconds projection_stale{600000};
  log_names names;  // the Redis keys, under --key-prefix
};

log_trimmer_actor spawn_log_trimmer(caf::actor_system& sys, log_trimmer_settings settings);

}  // namespace eventbed
