// One simulator run as a state machine: no threads, no CAF, no sockets.
//
// The simulator actor feeds it the clock and the HTTP answers, and performs the
// requests it asks for. Every decision (what to send when, what an answer means
// for the ledger and for downtime, when the run is over) is made here, so it can
// be tested and reasoned about without a network. Times are seconds since the
// run started (steady clock).
//
// Downtime targets: each ingest/query target name (functional), "process"
// (functional: accepted events not visible within the deadline), each probe
// name (health) and, for the widget workload, "summary" (summary: GET /summary
// of the first query target, probed like a health target, incomplete or wrong
// for events accepted at least --deadline ago; widget_workload.hpp).
//
// The widget workload also ends with GET /summary equal to the totals of
// every stored event: once everything else is verified, each event refused in
// a way that may still have stored it (api_replies.hpp: maybe_stored) is
// looked up once with GET /events/{id} and counted if found; then the run
// waits for a summary probe sent after that, and, while time is left, for one
// that is exact; the cells that still differ count as summary_mismatched.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "actors/simulator/downtime_tracker.hpp"
#include "actors/simulator/event_factory.hpp"
#include "common/http_client.hpp"
#include "actors/simulator/latency_recorder.hpp"
#include "actors/simulator/ledger.hpp"
#include "actors/simulator/load_driver.hpp"
#include "actors/simulator/metrics.hpp"
#include "actors/simulator/simulate_options.hpp"
#include "actors/simulator/timeline.hpp"
#include "actors/simulator/version_breakdown.hpp"

namespace eventbed {

// The functional target charged with events that are not visible in time.
inline constexpr const char* processing_target = "process";

class simulation {
 public:
  struct ingest_send {
    ingest_job job;
    size_t target = 0;  // index into targets().ingest
    sim_http_request request;
  };
  struct poll_send {
    uint64_t seq = 0;
    size_t target = 0;  // index into targets().query
    sim_http_request request;
    bool lookup = false;  // widget workload: was a refused event stored after all?
  };
  using request_key = version_breakdown::request_key;  // target, kind, result
  using status_key = std::pair<std::string, long>;                        // kind, HTTP status
  // The figures of the current report interval (--report-every), from `start` on.
  struct interval {
    double start = 0;
    ledger_counts counts_at_start;
    std::map<std::pair<std::string, downtime_reason>, double> downtime_at_start;  // seconds per target
    log_histogram ingest_latency, visible_latency;  // samples that arrived in the interval
  };

  // `opts` must have passed resolve_targets().
  simulation(simulate_options opts, sim_targets targets, std::chrono::system_clock::time_point wall_start);

  // Ingest requests to send now, at most `free_slots`.
  std::vector<ingest_send> take_ingest(double now, size_t free_slots);
  void ingest_done(const ingest_send& s, const sim_http_response& res, double sent, double done);

  // Verification polls to send now, at most `free_slots`.
  std::vector<poll_send> take_polls(double now, size_t free_slots);
  void poll_done(const poll_send& p, const sim_http_response& res, double sent, double done);

  // Probes: the --probe targets, then the summary probe (widget workload).
  size_t probe_count() const;
  sim_http_request probe_request(size_t probe) const;
  void probe_done(size_t probe, const sim_http_response& res, double sent, double done);

  // Ends the schedule at `now` (a stop request); verification still runs, in a
  // continuous run for at most continuous_stop_seconds.
  void stop(double now);
  // Whether everything owed has been sent and verified, or time is up.
  bool done(double now, size_t ingest_in_flight, size_t polls_in_flight);
  static constexpr double continuous_stop_seconds = 0.5;

  const interval& current_interval() const { return interval_; }
  // Ends the current interval at `now` and starts the next one there.
  void next_interval(double now);
  // Downtime windows that closed since the last call, each returned once.
  std::vector<downtime_window> newly_closed_windows() { return tracker_.take_closed(); }
  // Closes the books: pending events become lost, open windows end at `now`.
  void finish(double now);

  sim_metrics_snapshot snapshot(double now) const;

  const simulate_options& options() const { return opts_; }
  const sim_targets& targets() const { return targets_; }
  const event_factory& events() const { return events_; }
  const ledger& verdicts() const { return ledger_; }
  const downtime_tracker& downtime() const { return tracker_; }
  const latency_recorder& ingest_latency() const { return ingest_latency_; }
  const latency_recorder& visible_latency() const { return visible_latency_; }
  const sim_timeline& timeline() const { return timeline_; }
  const load_driver& driver() const { return driver_; }
  std::map<request_key, uint64_t> requests() const { return versions_.requests(); }
  const version_breakdown& versions() const { return versions_; }
  const std::map<status_key, uint64_t>& statuses() const { return statuses_; }
  const std::map<std::string, uint64_t>& rejected_by_cause() const { return rejected_by_cause_; }
  const std::map<std::string, uint64_t>& dropped_by_cause() const { return dropped_by_cause_; }
  std::chrono::system_clock::time_point wall_start() const { return wall_start_; }
  double load_end() const;         // when the schedule ended (duration, or the stop time)
  double finished_at() const { return finished_at_; }
  // The widget workload's end check: differing cells, the first difference,
  // and when the summary was last seen turning exact (-1: never).
  size_t summary_mismatched() const { return summary_mismatched_; }
  const std::string& summary_difference() const { return summary_difference_; }
  double summary_exact_at() const { return summary_exact_at_; }
  bool stopped() const { return stopped_; }

 private:
  void count(const std::string& target, const char* kind, const sim_http_response& res, const std::string& result,
             double sent, double done);
  void give_up(const ingest_job& job, const std::string& cause);
  void summary_done(const sim_http_response& res, double sent, double done);

  simulate_options opts_;
  sim_targets targets_;
  std::chrono::system_clock::time_point wall_start_;
  event_factory events_;
  load_driver driver_;
  ledger ledger_;
  downtime_tracker tracker_;
  latency_recorder ingest_latency_, visible_latency_;
  sim_timeline timeline_;
  version_breakdown versions_;
  std::map<status_key, uint64_t> statuses_;
  interval interval_;
  std::map<std::string, uint64_t> rejected_by_cause_;
  std::map<std::string, uint64_t> dropped_by_cause_;
  size_t next_ingest_ = 0, next_query_ = 0;  // round robin over several URLs
  bool stopped_ = false;
  double stopped_at_ = 0;
  double finished_at_ = 0;
  std::vector<uint64_t> lookups_;  // refused events that may be stored, to look up at the end
  size_t lookups_in_flight_ = 0;
  double settled_at_ = -1;      // when everything but the summary (and the lookups) was verified
  bool summary_final_ = false;  // a summary probe sent after settled_at_ completed
  size_t summary_mismatched_ = 0;
  std::string summary_difference_;
  double summary_exact_at_ = -1;
  bool summary_was_exact_ = false;
};

}  // namespace eventbed
