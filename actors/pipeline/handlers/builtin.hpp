// The handlers eventbed ships with.
//
// eventbed is a workload for experiments, so its built-in processing is cheap,
// deterministic and checkable: the result of every event is a digest of its
// payload, which the simulator (or a user) can recompute. Two reserved types
// make failure paths reproducible on demand:
//   eventbed.poison  always fails with a retryable error -> failed after the delivery limit
//   eventbed.reject  fails permanently at the first delivery
#pragma once

#include <string_view>

#include "actors/pipeline/handlers/registry.hpp"

namespace eventbed {

handler_registry builtin_handlers();

// The digest the default handler reports: FNV-1a 64 of the payload text, in hex.
std::string payload_digest(std::string_view data);

}  // namespace eventbed
