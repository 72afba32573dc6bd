// The simulator actor: drives one run against a set of targets over HTTP.
//
// It owns the run's state (a `simulation`) and is its only mutator, so none of
// it needs a lock. Blocking HTTP happens in detached http_worker actors: a pool
// for ingest (--concurrency), one for verification polls (--query-concurrency)
// and one worker per probe, so probes keep their period even when the load pool
// is stuck on a stalled target. The actor ticks every millisecond to release
// arrivals on schedule; probes, metric snapshots and report intervals run on
// their own timers. Lines (an interval every --report-every and a last partial
// one at the end, a downtime window as soon as it closes) go to the setup's
// `on_line`, in the actor's thread.
//
//   run   -> starts the run; the reply (the report and verdict) comes when it is over
//   stop  -> the first ends the load now (verification still runs; a continuous
//            run ends within half a second), the second ends the run at once
#pragma once

#include <functional>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/simulator/metrics.hpp"
#include "actors/simulator/simulate_options.hpp"
#include "actors/simulator/slo.hpp"

namespace eventbed {

using sim_run_atom = caf::atom_constant<caf::atom("simrun")>;
using sim_stop_atom = caf::atom_constant<caf::atom("simstop")>;
using sim_tick_atom = caf::atom_constant<caf::atom("simtick")>;
using sim_probe_atom = caf::atom_constant<caf::atom("simprobe")>;
using sim_pub_atom = caf::atom_constant<caf::atom("simpub")>;
using sim_interval_atom = caf::atom_constant<caf::atom("siminterv")>;

struct sim_outcome {
  nlohmann::json report;
  sim_verdict verdict;
};

using simulator_actor = caf::typed_actor<caf::replies_to<sim_run_atom>::with<sim_outcome>,
                                         caf::reacts_to<sim_stop_atom>,
                                         caf::reacts_to<sim_tick_atom>,     // internal: release arrivals
                                         caf::reacts_to<sim_probe_atom>,    // internal: probe period
                                         caf::reacts_to<sim_pub_atom>,      // internal: metrics, progress, windows
                                         caf::reacts_to<sim_interval_atom>>;  // internal: --report-every

struct simulator_setup {
  simulate_options options;  // resolved (see resolve_targets)
  sim_targets targets;
  std::shared_ptr<sim_live_metrics> metrics;  // may be null
  bool progress = false;                      // redraw a status line on stderr
  std::function<void(const nlohmann::json&)> on_line;  // interval and window lines; may be empty
};

simulator_actor spawn_simulator(caf::actor_system& sys, simulator_setup setup);

// The longest a run can take with these options: a bound for whoever waits on `run`.
double max_run_seconds(const simulate_options& opts);

}  // namespace eventbed

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::sim_outcome)
