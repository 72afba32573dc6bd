#include "actors/simulator/http_worker.hpp"

#include <caf/all.hpp>

#include <exception>
#include <memory>

#include "common/actor_metrics.hpp"

namespace eventbed {

namespace {

struct http_worker_state {
  std::unique_ptr<sim_http_client> client;
  // A request is one message and one event; its busy time is the whole
  // exchange, as the worker takes no other request meanwhile.
  actor_metrics metrics;
  static inline const char* name = "sim-http";
};

http_worker_actor::behavior_type http_worker(http_worker_actor::stateful_pointer<http_worker_state> self,
                                             std::vector<std::string> headers) {
  self->state.client = std::make_unique<sim_http_client>(headers);
  self->state.metrics = actor_metrics::resolve("sim_http");
  return {
      [=](sim_http_atom, const sim_http_request& req) {
        auto msg = metered(self);
        msg.events(1);
        // An exception escaping a handler would kill the worker and strand its requester.
        try {
          return self->state.client->perform(req);
        } catch (const std::exception& e) {
          sim_http_response res;
          res.failed = sim_http_response::failure::transport;
          res.error = e.what();
          res.sent = res.done = std::chrono::steady_clock::now();
          return res;
        }
      },
  };
}

}  // namespace

http_worker_actor spawn_http_worker(caf::actor_system& sys, const std::vector<std::string>& headers) {
  return sys.spawn<caf::detached>(http_worker, headers);
}

}  // namespace eventbed
