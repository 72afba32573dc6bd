#include "gateways/admin_api.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include "common/actor_metrics.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::http_reply)

namespace eventbed {

namespace {

// A probe must answer well inside the prober's own timeout (typically 1 s).
constexpr auto probe_timeout = std::chrono::milliseconds(500);

using probe_gateway =
    caf::typed_actor<caf::reacts_to<live_atom, http_reply>, caf::reacts_to<ready_atom, http_reply>,
                     caf::reacts_to<startup_atom, http_reply>>;

struct probe_state {
  health_actor health;
  actor_metrics metrics;  // resolved at start
  static inline const char* name = "admin_gateway";
};

using self_ptr = probe_gateway::stateful_pointer<probe_state>;

void send_report(http_reply& reply, const health_report& rep) {
  nlohmann::json body = {{"status", rep.status}, {"checks", rep.checks}};
  reply.send(rep.ok ? 200 : 503, body.dump());
}

// A probe is two messages, the probe and the health actor's answer, and one
// event: its busy time is the question's dispatch and the answer's rendering
// and sending.
template <class Atom>
void ask(self_ptr self, http_reply& reply) {
  auto msg = metered(self);
  msg.events(1);
  self->request(self->state.health, probe_timeout, Atom::value)
      .then(
          [=](health_report& rep) mutable {
            auto answer = metered(self);
            send_report(reply, rep);
          },
          [=](caf::error& err) mutable {
            auto answer = metered(self);
            reply.send_error(503, "health_unavailable", caf::to_string(err));
          });
}

probe_gateway::behavior_type probe_impl(self_ptr self, health_actor health) {
  self->state.health = std::move(health);
  self->state.metrics = actor_metrics::resolve("admin_gateway");
  return {
      [=](live_atom, http_reply& reply) { ask<live_atom>(self, reply); },
      [=](ready_atom, http_reply& reply) { ask<ready_atom>(self, reply); },
      [=](startup_atom, http_reply& reply) { ask<startup_atom>(self, reply); },
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
