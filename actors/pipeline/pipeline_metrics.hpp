// The pipeline's metrics, registered once in the global registry (each
// actor's own throughput, busy time and mailbox: common/actor_metrics.hpp).
//
// Names follow Prometheus conventions (base units, _total for counters);
// dashboards and alert rules in k8s/monitoring rely on them, so rename a
// metric only together with those.
#pragma once

#include <string>

#include "common/metrics.hpp"

namespace eventbed {

struct pipeline_metrics {
  // ingest
  metrics::counter& ingested;            // new events appended to the log
  metrics::counter& duplicates;          // client ids seen before: nothing appended
  metrics::counter& rejected_overload;   // 503: queue full
  metrics::counter& rejected_redis;      // 503: Redis did not acknowledge
  metrics::histogram& ingest_batch;      // events per pipelined round trip
  metrics::histogram& redis_append;      // seconds per append round trip
  // processing
  metrics::counter& processed;
  metrics::counter& failed;              // every failed outcome, including dead letters
  metrics::counter& dead_lettered;       // failed because the delivery limit was reached
  metrics::counter& retried;             // deliveries left pending for a retry
  metrics::counter& taken_over;          // entries claimed from another consumer
  metrics::histogram& process_batch;     // entries per XREADGROUP that returned any
  metrics::histogram& redis_complete;    // seconds per MULTI outcome+ack round trip
  metrics::gauge& group_pending;         // entries delivered but not acknowledged
  metrics::gauge& group_lag;             // entries not yet delivered to the group
  // projection
  metrics::counter& projected;           // stream entries applied to SQLite
  metrics::histogram& sqlite_commit;     // seconds per apply transaction
  metrics::gauge& projection_lag_seconds;
  metrics::gauge& projection_gap;        // 1 while entries this projection needs were trimmed away
  metrics::counter& projection_rebuilds; // files deleted at start to be rebuilt from the log
  metrics::gauge& summary_skipped;       // widget events the summary could not read (its coverage)
  // retention
  metrics::counter& trimmed_events;
  metrics::counter& trimmed_outcomes;

  static pipeline_metrics& get();
};

// Seconds since `start_ns` (a steady_clock reading in nanoseconds).
double seconds_since(int64_t start_ns);
int64_t steady_now_ns();

}  // namespace eventbed
