#include "gateways/admin_api.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::http_reply)

namespace eventbed {

namespace {

// A probe must answer well inside the prober's own timeout (typically 1 s).
constexpr auto probe_timeout = std::chrono::milliseconds(500);

using probe_gateway =
    caf::typed_actor<caf::reacts_to<live_atom, http_reply>, caf::reacts_to<ready_atom, http_reply>,
                     caf::reacts_to<startup_atom, http_reply>>;

void send_report(http_reply& reply, const health_report& rep) {
  nlohmann::json body = {{"status", rep.status}, {"checks", rep.checks}};
  reply.send(rep.ok ? 200 : 503, body.dump());
}

template <class Atom>
void ask(probe_gateway::pointer self, const health_actor& health, http_reply& reply) {
  self->request(health, probe_timeout, Atom::value)
      .then([=](health_report& rep) mutable { send_report(reply, rep); },
            [=](caf::error& err) mutable {
              reply.send_error(503, "health_unavailable", caf::to_string(err));
            });
}

probe_gateway::behavior_type probe_impl(probe_gateway::pointer self, health_actor health) {
  return {
      [=](live_atom, http_reply& reply) { ask<live_atom>(self, health, reply); },
      [=](ready_atom, http_reply& reply) { ask<ready_atom>(self, health, reply); },
      [=](startup_atom, http_reply& reply) { ask<startup_atom>(self, health, reply); },
  };
}

template <class Atom>
http_route probe_route(probe_gateway gateway) {
  return [gateway](http_request&, http_reply reply) {
    caf::anon_send(gateway, Atom::value, std::move(reply));
  };
}

}  // namespace

caf::actor add_admin_routes(http_server& server, caf::actor_system& sys,
                            admin_api_settings settings) {
  auto gateway = sys.spawn(probe_impl, settings.health);
  server.route("GET", "/livez", probe_route<live_atom>(gateway));
  server.route("GET", "/readyz", probe_route<ready_atom>(gateway));
  server.route("GET", "/startupz", probe_route<startup_atom>(gateway));
  server.route("GET", "/version", [v = settings.version_json](http_request&, http_reply reply) {
    reply.send(200, v);
  });
  server.route("GET", "/metrics", [m = settings.metrics](http_request&, http_reply reply) {
    reply.send(200, m(), {}, "text/plain; version=0.0.4; charset=utf-8");
  });
  return caf::actor_cast<caf::actor>(gateway);
}

}  // namespace eventbed
