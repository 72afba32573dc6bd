// Everything `eventbed simulate` can be told, as plain values.
//
// simulate_command fills this from flags and EVENTBED_SIM_* variables; the
// simulator actor reads it. Times are seconds (the flags also accept ms/s/m/h).
// resolve_targets() turns the raw [NAME=]URL strings into named endpoints and
// says what is wrong with the options, if anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/simulator/load_schedule.hpp"

namespace eventbed {

// The shorthand SLO flags; each one is also an expression (slo.hpp).
struct slo_limits {
  uint64_t max_lost = 0;                // lost<=N
  uint64_t max_duplicated = 0;          // duplicated<=N
  uint64_t max_mismatched = 0;          // mismatched<=N
  double max_functional_downtime = -1;  // functional_downtime<=D; < 0: no limit
  double max_p99 = -1;                  // ingest.p99<=D; < 0: no limit
};

// --duration 0: the load has no end, the run lasts until it is stopped. Such a
// schedule is this long instead, which no process outlives.
inline constexpr double continuous_duration_seconds = 10.0 * 365 * 24 * 3600;

struct simulate_options {
  // Targets, as given: --ingest/--query take [NAME=]URL, --probe takes NAME=URL.
  std::vector<std::string> ingest;
  std::vector<std::string> query;  // empty: the ingest URLs (one process serves both)
  std::vector<std::string> hops;   // --hop: query URLs of a chain's upstream hops, in order
  std::vector<std::string> probes;

  // Load.
  std::string shape = "constant";
  load_shape_params load;        // rate, duration and the shape's knobs (load.shape is set by resolve)
  uint32_t batch = 1;            // events per POST
  uint32_t concurrency = 16;     // ingest requests in flight (one connection each)
  uint32_t query_concurrency = 8;
  uint64_t max_backlog = 10000;  // requests waiting for a connection before arrivals are dropped
  double timeout = 2;            // per ingest/query request
  uint32_t retries = 0;          // extra attempts after a 503/timeout/connection failure
  std::string type = "sim.event";
  uint32_t padding = 0;          // filler characters per payload
  std::string run_id;            // empty: a fresh one
  std::vector<std::string> headers;  // "Name: value", sent with every request (never reported)

  // The workload: "events" (opaque payloads of --type) or "widgets"
  // (widget.produced.v1-v3 and the monthly summary: widget_workload.hpp).
  std::string workload = "events";
  std::string widget_versions = "2";   // the mix: "2", "1:1,2:1,3:2"
  double widget_switch_at = -1;        // seconds into the run; < 0: no switch
  std::string widget_switch_versions;  // the mix from then on
  uint32_t widget_skus = 10;
  uint64_t widget_seed = 1;

  // Verification and downtime.
  double deadline = 5;           // accepted -> visible as processed/failed
  double grace = 10;             // after the load ends, to finish sending and verifying
  double probe_period = 0.2;
  double probe_timeout = 0.5;

  // Output.
  std::string report_path;       // "-" for stdout
  double report_every = 0;       // > 0: a report line per interval of this many seconds
  std::string tool_version;      // for the report
  std::string plot_path;
  std::string admin_bind = "127.0.0.1";
  uint16_t admin_port = 8078;    // 0: no metrics endpoint

  slo_limits slo;
  std::vector<std::string> slo_expressions;  // --slo, e.g. "ingest.p99<5ms"

  // Set by resolve_targets(): --duration 0 was given (load.duration is then
  // continuous_duration_seconds).
  bool continuous = false;
};

struct named_url {
  std::string name;  // the target_service label
  std::string url;
};

// The endpoints of a run. ingest URLs end in /ingest; query URLs are bases to
// which "/events/<id>" is appended; probe URLs are used as given.
struct sim_targets {
  std::vector<named_url> ingest;
  std::vector<named_url> query;
  std::vector<named_url> probes;
  std::vector<named_url> hops;  // a chain's hops in order, the first --query last (hop_breakdown.hpp)
};

// Validates `opts` (and sets opts.load.shape, opts.continuous). Returns "" and
// fills `out`, or says what is wrong.
std::string resolve_targets(simulate_options& opts, sim_targets& out);

}  // namespace eventbed
