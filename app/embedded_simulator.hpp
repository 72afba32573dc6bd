// The simulator actor running inside `eventbed serve --simulate-rate N`.
//
// It drives a constant load at this process's own public port and probes its
// own /readyz, for as long as the process runs, and its sim_* metrics appear
// on this process's /metrics. That turns any single deployment into a
// self-measuring one (a canary) without a separate simulator pod. On SIGTERM
// the load ends and verification goes on through the drain delay; the run
// ends when the public port closes, and its summary is logged.
#pragma once

#include <caf/fwd.hpp>

#include <memory>

#include "app/config.hpp"

namespace eventbed {

class embedded_simulator {
 public:
  // Starts the run. Requires the ingest and query roles in this process, and
  // should start once it is ready: probes before that would count as downtime.
  embedded_simulator(caf::actor_system& sys, const serve_config& cfg);
  ~embedded_simulator();

  // Stops sending; accepted events are still verified.
  void end_load();
  // Ends the run; events not yet verified count as lost in the logged summary.
  void end_run();
  // Stops the simulator actor (and its workers) so the process can exit now.
  void kill();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace eventbed
