// The verdict of a run: did it meet the service levels it was given?
//
// The exit code of `eventbed simulate` comes from here, so a rollout experiment
// can be scripted as "roll, simulate, fail the pipeline if the SLOs broke".
//
// A service level is an expression `METRIC OP VALUE`, as k6 thresholds are:
//   lost==0   ingest.p99<5ms   functional_downtime<1s   visible.p99_9<=2s
// OP is <, <=, >, >=, == or !=. METRIC is a count of the report (scheduled,
// sent, accepted, rejected, dropped, processed, failed, lost, unverified,
// duplicated, mismatched, late), functional_downtime or health_downtime
// (seconds), or ingest.F / visible.F with F one of min, p50, p90, p95, p99,
// p99_9, max, mean (seconds). Seconds take ms, s, m or h; a bare number is
// seconds. A latency expression fails when it has no samples but events were
// sent. The --max-* flags are shorthands (slo_limits in simulate_options.hpp).
#pragma once

#include <string>
#include <vector>

#include "actors/simulator/simulate_options.hpp"

namespace eventbed {

class simulation;

struct slo_expression {
  std::string metric, op;
  double limit = 0;
};

// Parses one expression; returns "" or what is wrong with it.
std::string parse_slo(const std::string& text, slo_expression& out);

// Every expression the options ask for: the shorthands first, then --slo.
std::vector<std::string> slo_expressions(const simulate_options& opts);

struct sim_verdict {
  bool ok = true;
  std::vector<std::string> violations;  // one readable line per broken limit, e.g. "lost 3 > 0"
};

// Reads a finished simulation (after simulation::finish). Expressions must parse.
sim_verdict check_slos(const simulate_options& opts, const simulation& sim);

}  // namespace eventbed
