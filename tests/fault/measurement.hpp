// The measurement step: everything a verdict is drawn from, gathered once the
// fault is over. Facts only, each from its source of truth:
//
//   the simulator's report   its ledger (accepted, lost, duplicated, mismatched,
//                            late) and every request result and downtime window
//   the probe                every status and Retry-After it got; its accepted
//                            ids polled on the query role until final
//   Redis                    the event ids logged (events stream) and outcomes
//                            written (outcomes stream), XPENDING, LATENCY LATEST
//   eventbed's /metrics      taken-over entries (eventbed_events_taken_over_total),
//                            the consumer group's lag and pending entries
//   the query role           GET /stats: events in the projection
//   the processes            exit codes on SIGTERM
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/fault/cases.hpp"
#include "tests/fault/fault_stack.hpp"
#include "tests/fault/load.hpp"

namespace eventbed::fault {

struct measurement {
  // The simulator's ledger.
  int sim_exit = -1;
  bool has_report = false;
  long long accepted = 0, processed = 0, failed = 0, lost = 0, duplicated = 0, mismatched = 0, late = 0,
            rejected = 0;
  double functional_downtime = 0, health_downtime = 0;
  // kind ("ingest", "query") -> result ("ok", "http_503", "timeout", ...) -> count
  std::map<std::string, std::map<std::string, long long>> requests;
  nlohmann::json ingest_latency;  // seconds: p50, p99, max, ...

  // The probe's ledger.
  std::map<std::string, size_t> probe;
  size_t probe_accepted = 0;
  std::vector<std::string> probe_lost;  // answered 202, never seen processed or failed
  double probe_slowest = 0;

  // The log, the projection, the consumer group.
  size_t logged_events = 0;      // distinct ids in eventbed:events
  size_t log_duplicate_ids = 0;  // entries beyond one per id: second copies of an event
  size_t reprocessed = 0;        // outcomes beyond one per event: at-least-once redeliveries
  long projected = -1;           // GET /stats total once caught up
  double taken_over = 0;         // eventbed_events_taken_over_total, every process that ran
  double max_lag = 0;
  bool drained = false;          // lag and pending back to 0 on every processor's gauges
  long victim_pending_end = -1;  // processor faults: entries still at the victim's consumer

  // Times, in seconds.
  double fault_seconds = 0, fault_offset = 0, recovery_seconds = 0;
  std::optional<double> ready_after;  // from the fault's end until the restored part is ready

  std::map<std::string, long> redis_stalls;  // LATENCY LATEST worst, ms
  std::map<std::string, int> exit_codes;     // by instance, on SIGTERM
  fault_record fault;
  std::vector<std::string> notes;
};

// Waits for recovery and for the simulator to finish, stops the clients, reads
// every source, then stops the stack (exit codes are part of the measurement).
measurement measure(fault_stack& stack, simulator_run& sim, probe_client& probe, lag_watcher& watcher,
                    const fault_case& c, const fault_record& fault);

// The probe's failures that the case's allowed simulator results explain, in its words.
std::set<std::string> probe_allowed(const fault_case& c);

}  // namespace eventbed::fault
