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

struct slo_limits {
  uint64_t max_lost = 0;
  uint64_t max_duplicated = 0;
  uint64_t max_mismatched = 0;
  double max_functional_downtime = -1;  // seconds of any functional window (union); < 0: no limit
  double max_p99 = -1;                  // seconds of ingest latency p99; < 0: no limit
};

struct simulate_options {
  // Targets, as given: --ingest/--query take [NAME=]URL, --probe takes NAME=URL.
  std::vector<std::string> ingest;
  std::vector<std::string> query;  // empty: the ingest URLs (one process serves both)
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
  std::string plot_path;
  std::string admin_bind = "127.0.0.1";
  uint16_t admin_port = 8078;    // 0: no metrics endpoint

  slo_limits slo;
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
};

// Validates `opts` (and sets opts.load.shape). Returns "" and fills `out`, or
// says what is wrong.
std::string resolve_targets(simulate_options& opts, sim_targets& out);

}  // namespace eventbed
