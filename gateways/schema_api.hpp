// GET /schemas and GET /schemas/{type}: the registry this process validates with.
//
// Served on the public port whatever the roles, like /openapi.json: a process
// under --schema-versions 1,2 lists only those versions, as an older build would.
//   GET /schemas         200 {"compatibility": "BACKWARD_TRANSITIVE", "schemas": [{"type", "family", "version"}]}
//   GET /schemas/{type}  200 the JSON Schema as shipped (application/schema+json);
//                        404 not_found for a type it does not know
#pragma once

#include <memory>

#include "gateways/http_server.hpp"
#include "gateways/schema_registry.hpp"

namespace eventbed {

void add_schema_routes(http_server& server, std::shared_ptr<const schema_registry> registry);

}  // namespace eventbed
