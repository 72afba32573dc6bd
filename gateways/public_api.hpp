// The public port: POST /ingest, GET /events/{id}, GET /stats, GET /summary,
// GET /schemas, GET /schemas/{type}, GET /openapi.json.
//
// A thin gateway: it parses and validates HTTP on the server's own threads,
// sends one typed request to the actor that owns the work, and maps the typed
// reply (or error) to an HTTP answer. Routes exist only for the roles this
// process runs: a query-only process answers 404 to POST /ingest. The
// description of the API (gateways/openapi.json) is served whatever the roles.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "actors/pipeline/ingest.hpp"
#include "actors/pipeline/query.hpp"
#include "common/fault_injection.hpp"
#include "gateways/event_parser.hpp"
#include "gateways/http_server.hpp"
#include "gateways/schema_registry.hpp"

namespace eventbed {

struct public_api_settings {
  std::optional<ingest_pool> ingest;    // set when this process runs the ingest role
  std::vector<query_actor> queries;     // non-empty when it runs the query role
  ingest_limits limits;
  std::shared_ptr<const schema_registry> schemas;  // validates ingest, answers /schemas
  std::chrono::milliseconds timeout{5000};  // longest wait for an actor's answer
  fault_injection faults;                   // experiment knobs: injected 503s and latency
};

// Returns the gateway actor behind the routes: shutdown must stop it, because
// the timeouts of its requests would otherwise keep it (and the process) alive.
caf::actor add_public_routes(http_server& server, caf::actor_system& sys,
                             public_api_settings settings);

}  // namespace eventbed
