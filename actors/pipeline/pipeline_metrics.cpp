#include "actors/pipeline/pipeline_metrics.hpp"

#include <chrono>

namespace eventbed {

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double seconds_since(int64_t start_ns) {
  return static_cast<double>(steady_now_ns() - start_ns) / 1e9;
}

pipeline_metrics& pipeline_metrics::get() {
  static pipeline_metrics m = [] {
    auto& r = metrics::global();
    const auto& lat = metrics::latency_buckets();
    const auto& size = metrics::size_buckets();
    return pipeline_metrics{
        r.add_counter("eventbed_events_ingested_total", "Events appended to the log."),
        r.add_counter("eventbed_events_duplicate_total",
                      "Ingested events whose client id was seen before (nothing appended)."),
        r.add_counter("eventbed_ingest_rejected_total", "Ingest requests answered 503.",
                      {{"reason", "overloaded"}}),
        r.add_counter("eventbed_ingest_rejected_total", "Ingest requests answered 503.",
                      {{"reason", "redis_unavailable"}}),
        r.add_histogram("eventbed_ingest_batch_events", "Events per pipelined Redis round trip.",
                        size),
        r.add_histogram("eventbed_redis_roundtrip_seconds", "Redis round trips, by operation.",
                        lat, {{"op", "append"}}),
        r.add_counter("eventbed_events_processed_total", "Events processed successfully."),
        r.add_counter("eventbed_events_failed_total", "Events whose outcome is failed."),
        r.add_counter("eventbed_events_dead_lettered_total",
                      "Events failed because they reached the delivery limit."),
        r.add_counter("eventbed_events_retried_total", "Deliveries left pending for a retry."),
        r.add_counter("eventbed_events_taken_over_total",
                      "Entries claimed from another consumer after they sat idle."),
        r.add_histogram("eventbed_process_batch_events", "Entries per non-empty XREADGROUP.",
                        size),
        r.add_histogram("eventbed_redis_roundtrip_seconds", "Redis round trips, by operation.",
                        lat, {{"op", "complete"}}),
        r.add_gauge("eventbed_consumer_group_pending",
                    "Entries delivered to the processors group but not acknowledged."),
        r.add_gauge("eventbed_consumer_group_lag",
                    "Entries in the events stream not yet delivered to the processors group."),
        r.add_counter("eventbed_projection_entries_total", "Stream entries applied to SQLite."),
        r.add_histogram("eventbed_sqlite_commit_seconds",
                        "Duration of one projection transaction.", lat),
        r.add_gauge("eventbed_projection_lag_seconds",
                    "Age of the oldest log entry the projection has not applied (0 when caught up)."),
        r.add_gauge("eventbed_projection_gap",
                    "1 while entries this projection had not applied were trimmed from the log."),
        r.add_counter("eventbed_projection_rebuilds_total",
                      "Projection files deleted at start, to be rebuilt from the log: another projection "
                      "schema, or other known event schema versions."),
        r.add_gauge("eventbed_projection_skipped_events",
                    "widget.produced events the summary projection skipped because this process does "
                    "not know their version: GET /summary is incomplete while it is above 0."),
        r.add_counter("eventbed_log_trimmed_entries_total", "Entries trimmed from a stream.",
                      {{"stream", "events"}}),
        r.add_counter("eventbed_log_trimmed_entries_total", "Entries trimmed from a stream.",
                      {{"stream", "outcomes"}}),
    };
  }();
  return m;
}

}  // namespace eventbed
