// The admin port: /livez, /readyz, /startupz, /version and /metrics.
//
// It has its own port and threads so probes and scrapes never queue behind
// user traffic. Probe answers come from the health actor's cached verdict.
#pragma once

#include <functional>
#include <string>

#include "actors/pipeline/health.hpp"
#include "gateways/http_server.hpp"

namespace eventbed {

struct admin_api_settings {
  health_actor health;
  std::function<std::string()> metrics;  // Prometheus text exposition
  std::string version_json;
};

// Returns the probe gateway actor, for shutdown to stop.
caf::actor add_admin_routes(http_server& server, caf::actor_system& sys,
                            admin_api_settings settings);

}  // namespace eventbed
