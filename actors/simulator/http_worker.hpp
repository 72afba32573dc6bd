// A detached actor that performs blocking HTTP requests, one at a time.
//
// curl_easy_perform blocks for up to a request timeout, so it must never run on
// CAF's scheduler threads: each worker is spawned detached (its own thread) and
// owns one sim_http_client, hence one kept-alive connection. The simulator keeps
// a pool of them per purpose (ingest, query, one per probe) so probes never queue
// behind load, and the pool size is its in-flight bound.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>
#include <vector>

#include "common/http_client.hpp"

namespace eventbed {

using sim_http_atom = caf::atom_constant<caf::atom("simhttp")>;

using http_worker_actor =
    caf::typed_actor<caf::replies_to<sim_http_atom, sim_http_request>::with<sim_http_response>>;

// Its client sends `headers` ("Name: value") with every request.
http_worker_actor spawn_http_worker(caf::actor_system& sys, const std::vector<std::string>& headers = {});

}  // namespace eventbed

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::sim_http_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::sim_http_response)
