// The simulator's own Prometheus metrics, as served on its admin port.
//
// The simulator actor publishes a snapshot a few times a second; scrapes render
// the latest one, so a scrape never waits for the actor and the actor never
// waits for a scrape. Families (text exposition format 0.0.4):
//   sim_downtime_seconds_total{target_service,reason}   counter
//   sim_downtime_open{target_service,reason}             gauge, 1 while a window is open
//   sim_requests_total{target_service,kind,version,result}  counter; kind ingest|query|probe|...,
//                                                        version the Eventbed-Version that answered
//                                                        (version_breakdown.hpp), "none" without one
//   sim_request_duration_seconds{kind,version}           histogram, send -> answer of every request
//   sim_version_events_accepted_total{version}           counter: events each served version answered 202
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
    std::string target, kind, version, result;
    uint64_t count = 0;
  };
  struct latency_series {
    std::string kind, version;
    sim_histogram latency;
  };
  std::vector<downtime_series> downtime;
  std::vector<request_series> requests;
  std::vector<latency_series> request_latency;
  std::vector<std::pair<std::string, uint64_t>> events_accepted_by_version;
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
