// HTTP server metrics with OpenTelemetry semantic names:
//   http_server_request_duration_seconds{http_route, http_request_method, http_response_status_code}
//   http_server_active_requests{server}
// and one of eventbed's own (OpenTelemetry names none for it):
//   eventbed_http_connections_accepted_total{server}
// Routes are the registered route templates ("/events/" for every event id),
// never raw paths, so cardinality stays bounded.
#pragma once

#include <string>

#include "gateways/http_server.hpp"

namespace eventbed {

// Starts recording `server`'s requests and connections; `name` ("public",
// "admin") labels its active-requests gauge and connections counter. Call
// before server.start().
void instrument(http_server& server, const std::string& name);

}  // namespace eventbed
