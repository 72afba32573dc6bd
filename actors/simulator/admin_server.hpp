// The simulator's admin port: GET /metrics (Prometheus text) and GET /livez.
//
// It binds 127.0.0.1 unless told otherwise (in a Kubernetes Job, bind 0.0.0.0 so
// Prometheus can scrape the pod). Requests are answered on Pistache's own thread
// from a render function, never through the simulator actor, so a slow scrape
// cannot delay the load.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace eventbed {

class sim_admin_server {
 public:
  // Starts serving at once. Throws std::runtime_error if it cannot bind.
  sim_admin_server(const std::string& bind, uint16_t port, std::function<std::string()> render_metrics);
  ~sim_admin_server();  // stops serving
  sim_admin_server(const sim_admin_server&) = delete;
  sim_admin_server& operator=(const sim_admin_server&) = delete;

  uint16_t port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace eventbed
