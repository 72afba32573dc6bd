// The metrics eventbed's actors update, registered once in the global registry.
//
// Names follow Prometheus conventions (base units, _total for counters);
// dashboards and alert rules in k8s/monitoring rely on them, so rename a
// metric only together with those.
#pragma once

#include <string>

#include "common/metrics.hpp"

namespace eventbed {

// Throughput and health of one kind of actor (label actor="ingest", "processor", ...).
struct actor_metrics {
  metrics::counter& messages;      // eventbed_actor_messages_total
  metrics::histogram& processing;  // eventbed_actor_processing_seconds
  metrics::gauge& mailbox;         // eventbed_actor_mailbox_depth (last observed)
  metrics::counter& failures;      // eventbed_actor_failures_total: handler errors, I/O failures

  // The series of one kind of actor, registered on the first call. It takes a
  // lock and looks up a map, so a hot path resolves it once (a function-local
  // static) and then updates through the reference.
  static actor_metrics& of(const std::string& actor);
};

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

// Measures one handler run of an actor: counts the message and observes its
// duration when it goes out of scope.
class actor_timer {
 public:
  explicit actor_timer(actor_metrics& m);
  ~actor_timer();
  actor_timer(const actor_timer&) = delete;
  actor_timer& operator=(const actor_timer&) = delete;

 private:
  actor_metrics& m_;
  int64_t start_ns_;
};

// Seconds since `start_ns` (a steady_clock reading in nanoseconds).
double seconds_since(int64_t start_ns);
int64_t steady_now_ns();

}  // namespace eventbed
