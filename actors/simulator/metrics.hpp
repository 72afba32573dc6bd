// The simulator's own Prometheus metrics, as served on its admin port.
//
// The simulator actor publishes a snapshot a few times a second; scrapes render
// the latest one, so a scrape never waits for the actor and the actor never
// waits for a scrape. Families (text exposition format 0.0.4):
//   sim_downtime_seconds_total{target_service,reason}   counter
//   sim_downtime_open{target_service,reason}             gauge, 1 while a window is open
//   sim_requests_total{target_service,kind,result}      counter; kind ingest|query|probe
//   sim_ingest_latency_seconds                           histogram, from the scheduled send time
//   sim_visible_latency_seconds                          histogram, 202 -> seen processed/failed
//   sim_events_scheduled_total, sim_events_sent_total, sim_events_accepted_total
//                                                        counters: how far events got (stages)
//   sim_events_outcome_total{outcome}                    counter: processed|failed|lost|rejected|dropped|
//                                                        unverified; each event ends in exactly one, so
//                                                        the sum is the events settled so far
//   sim_events_flagged_total{flag}                       counter: late|mismatched|duplicated; an event may
//                                                        carry several
//   sim_events_pending, sim_backlog_requests, sim_target_rate, sim_elapsed_seconds   gauges
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "actors/simulator/ledger.hpp"

namespace eventbed {

struct sim_histogram {
  std::vector<double> bounds;    // upper bounds; +Inf implied
  std::vector<uint64_t> counts;  // non-cumulative, bounds.size() + 1 entries
  double sum = 0;
  uint64_t count = 0;
};

struct sim_metrics_snapshot {
  struct downtime_series {
    std::string target, reason;
    double seconds = 0;
    bool open = false;
  };
  struct request_series {
    std::string target, kind, result;
    uint64_t count = 0;
  };
  std::vector<downtime_series> downtime;
  std::vector<request_series> requests;
  sim_histogram ingest_latency, visible_latency;
  ledger_counts counts;
  uint64_t pending = 0, backlog = 0;
  double target_rate = 0, elapsed = 0;
};

std::string render_sim_metrics(const sim_metrics_snapshot& s);

// The latest snapshot, shared between the simulator actor and the HTTP thread.
class sim_live_metrics {
 public:
  // Stores `s`. Downtime seconds are held monotonic per series: a window read
  // while open is counted up to "now", and may close a moment earlier than
  // that, which would otherwise make a counter go backwards.
  void publish(sim_metrics_snapshot s);
  std::string render() const;
  sim_metrics_snapshot latest() const;

 private:
  mutable std::mutex mu_;
  sim_metrics_snapshot latest_;
  std::map<std::pair<std::string, std::string>, double> high_water_;
};

}  // namespace eventbed
