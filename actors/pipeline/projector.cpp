#include "actors/pipeline/projector.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "actors/pipeline/pipeline_metrics.hpp"
#include "actors/pipeline/wakeable_actor.hpp"
#include "common/actor_metrics.hpp"
#include "common/logging.hpp"
#include "common/tracing.hpp"
#include "storage/event_log.hpp"
#include "storage/log_retention.hpp"
#include "storage/log_tail_reader.hpp"
#include "storage/projection.hpp"
#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

using clock = std::chrono::steady_clock;

// Caught up, a read blocks until the next housekeeping is due, at most this
// long. New entries end it at once, and so does a message from outside (the
// exit at shutdown: wakeable_actor), so its length costs neither visibility
// nor a slow stop; it sets how often an idle projector wakes up and reports
// to health (well inside health's stale_after). Below the connection's read
// timeout.
constexpr auto max_read_block = std::chrono::milliseconds(1000);
constexpr auto retry_after_error = std::chrono::milliseconds(250);
// After applying a partial batch (caught up, events trickling in), wait this
// long before the next read, so the next transaction takes what arrived
// meanwhile. Reading again at once commits a transaction per handful of
// events, each appending the same few pages to the WAL, with frequent
// checkpoints and fsyncs on the disk Redis's AOF shares (bench/README.md,
// "What each design choice is worth"). Costs at most this much visibility
// latency.
constexpr auto commit_linger = std::chrono::milliseconds(5);

struct projector_state {
  projector_settings settings;
  std::shared_ptr<projection> db;
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<event_log> log;
  std::unique_ptr<log_tail_reader> reader;  // reads ahead while the log is behind
  std::unique_ptr<health_reporter> health;
  std::unique_ptr<log_retention> retention;
  checkpoint reached;
  std::string gap;  // non-empty once entries this projection needed were trimmed: permanent
  std::optional<clock::time_point> last_caught_up;  // empty until the first catch-up
  bool caught_up = false;                           // after the last read
  clock::time_point next_housekeeping{};
  actor_metrics metrics;  // resolved at start
  static inline const char* name = "projector";
};

using self_ptr = wakeable_actor<projector_state, projector_actor>*;

// How far (in log time) the checkpoint trails the head of the events stream.
void publish_lag(projector_state& st, bool caught_up) {
  auto& lag = pipeline_metrics::get().projection_lag_seconds;
  if (caught_up) {
    lag.set(0);
    return;
  }
  auto head = st.log->position().events_last_id;
  auto behind_ms = stream_id_ms(head) - stream_id_ms(st.reached.events);
  lag.set(behind_ms > 0 ? static_cast<double>(behind_ms) / 1000.0 : 0.0);
}

// Did trimming remove entries after our checkpoint? A fresh projection (at
// "0-0") on a trimmed log only learns the retained history: that is said once,
// but it is no gap.
void check_gap(projector_state& st) {
  if (!st.gap.empty())
    return;
  for (auto [stream, applied] : {std::pair{st.log->names().events, st.reached.events},
                                 std::pair{st.log->names().outcomes, st.reached.outcomes}}) {
    auto trimmed = st.retention->gap(stream, applied);
    if (trimmed.empty())
      continue;
    if (applied == "0-0") {
      log::info("projector", "the log was trimmed: this projection starts after " + trimmed +
                                 " in " + stream);
      continue;
    }
    st.gap = stream + " entries after " + applied + " up to " + trimmed +
             " were trimmed before this projection applied them; delete " + st.settings.db_path +
             " to rebuild it from the retained log";
    pipeline_metrics::get().projection_gap.set(1);
    log::error("projector", "projection is missing events: " + st.gap);
  }
}

// Once a second, and first thing after a start: look for a gap, announce the
// checkpoint, measure the lag. It runs before a read, because the read would
// move the checkpoint past the trimmed entries and hide the gap.
void housekeeping(projector_state& st) {
  if (clock::now() < st.next_housekeeping)
    return;
  st.next_housekeeping = clock::now() + std::chrono::seconds(1);
  check_gap(st);
  st.retention->heartbeat(st.settings.name, st.reached.events, st.reached.outcomes);
  publish_lag(st, st.caught_up);
}

// Ready once the projection has caught up with the log at least once, and
// while it has been caught up within ready_max_lag: a projection replaying a
// long log must not serve 404s for events that exist.
void report_lag(projector_state& st, bool caught_up) {
  if (!st.gap.empty()) {
    st.health->report(false, "projection is missing events: " + st.gap);
    return;
  }
  auto now = clock::now();
  if (caught_up)
    st.last_caught_up = now;
  if (!st.last_caught_up) {
    st.health->report(false, "replaying the log, applied up to entry " + st.reached.events);
    return;
  }
  auto behind = std::chrono::duration_cast<std::chrono::milliseconds>(now - *st.last_caught_up);
  if (behind <= st.settings.ready_max_lag)
    st.health->report(true);
  else
    st.health->report(false, "projection behind the log for " + std::to_string(behind.count()) +
                                 " ms");
}

// How long a caught-up read may wait: until the next housekeeping, at most max_read_block.
std::chrono::milliseconds read_block(const projector_state& st) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(st.next_housekeeping - clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), max_read_block);
}

// One span per sampled entry of a batch, children of the entries' trace
// contexts: an event's is its request's span, an outcome's its processing
// span. They share the batch's time: one transaction applies them all.
std::vector<tracing::span> projection_spans(const projector_state& st, const event_log::tail_batch& batch) {
  std::vector<tracing::span> spans;
  auto add = [&](const std::string& traceparent, const std::string& stream, const std::string& id) {
    auto parent = tracing::parse_traceparent(traceparent);
    if (!parent)
      return;
    auto span = tracing::start_span("project " + stream, tracing::span_kind::consumer, &*parent);
    if (!span.recording())
      return;
    span.set("messaging.system", std::string("redis"));
    span.set("messaging.destination.name", stream);
    span.set("messaging.message.id", id);
    span.set("db.system", std::string("sqlite"));
    span.set("eventbed.batch_entries", static_cast<int64_t>(batch.events.size() + batch.outcomes.size()));
    spans.push_back(std::move(span));
  };
  for (const auto& e : batch.events)
    add(e.ev.traceparent, st.settings.names.events, e.ev.id);
  for (const auto& o : batch.outcomes)
    add(o.out.traceparent, st.settings.names.outcomes, o.out.event_id);
  return spans;
}

void poll(self_ptr self) {
  auto& st = self->state;
  auto msg = metered(self);
  try {
    housekeeping(st);
    // A read started from elsewhere than the checkpoint (the apply after it
    // failed) is of no use: drop it.
    auto& reader = *st.reader;
    if (reader.pending() && (reader.pending_from().events != st.reached.events ||
                             reader.pending_from().outcomes != st.reached.outcomes))
      reader.take();
    // Block only once caught up: a first read that finds nothing must say so at
    // once, so a fresh process turns ready without waiting out the block. A
    // read that may block waits for work: that time is not busy.
    auto read = [&](std::chrono::milliseconds block) {
      return st.log->read_tail(st.reached.events, st.reached.outcomes, st.settings.batch, block,
                               &self->wake());
    };
    auto batch = reader.pending()  ? reader.take()
                 : st.caught_up    ? msg.waiting([&] { return read(read_block(st)); })
                                   : read(std::chrono::milliseconds(0));
    checkpoint next = st.reached;
    if (!batch.events.empty())
      next.events = batch.events.back().stream_id;
    if (!batch.outcomes.empty())
      next.outcomes = batch.outcomes.back().stream_id;
    bool full = batch.events.size() >= st.settings.batch || batch.outcomes.size() >= st.settings.batch;
    bool got = !batch.events.empty() || !batch.outcomes.empty();
    // A full batch means more is waiting (a replay, a backlog): the next batch
    // is read on the reader's thread while this one is applied. Caught up,
    // there is nothing to overlap: the (blocking) read happens right here.
    if (full)
      reader.start(next, std::chrono::milliseconds(0));
    if (got) {
      std::vector<tracing::span> spans;
      if (tracing::on())
        spans = projection_spans(st, batch);
      auto started = steady_now_ns();
      st.db->apply(batch.events, batch.outcomes, next);
      spans.clear();  // ends them
      auto& pm = pipeline_metrics::get();
      pm.sqlite_commit.observe(seconds_since(started));
      pm.projected.inc(batch.events.size() + batch.outcomes.size());
      msg.events(batch.events.size() + batch.outcomes.size());
      pm.summary_skipped.set(static_cast<double>(st.db->skipped_summary_events()));
      st.reached = next;
    }
    st.caught_up = !full;
    report_lag(st, st.caught_up);
    if (got && !full)
      self->delayed_send(self, commit_linger, poll_atom::value);
    else
      self->send(self, poll_atom::value);
  } catch (const storage_error& e) {
    st.metrics.failures().inc();
    st.health->report(false, e.what());
    log::warn("projector", std::string("projection paused, retrying: ") + e.what());
    self->delayed_send(self, retry_after_error, poll_atom::value);
  }
}

projector_actor::behavior_type projector_impl(self_ptr self, projector_settings settings,
                                              std::shared_ptr<projection> db,
                                              health_actor health) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.db = std::move(db);
  st.reached = st.db->read_checkpoint();
  st.conn = std::make_unique<redis_connection>(st.settings.redis);
  st.log = std::make_unique<event_log>(*st.conn, st.settings.names);
  st.reader = std::make_unique<log_tail_reader>(st.conn->endpoint(), st.settings.batch, st.settings.names);
  st.retention = std::make_unique<log_retention>(*st.conn, st.settings.names);
  st.health = std::make_unique<health_reporter>(std::move(health), health_component::projection);
  st.metrics = actor_metrics::resolve("projector");
  log::info("projector", "resuming after events " + st.reached.events + ", outcomes " +
                             st.reached.outcomes);
  self->send(self, poll_atom::value);
  return {
      [=](poll_atom) { poll(self); },
  };
}

}  // namespace

namespace {

// A projection is a cache of the log: a file written with another schema
// version, or knowing other event schema versions, is deleted and rebuilt by
// replay, never migrated.
std::shared_ptr<projection> open_or_rebuild(const std::string& path, const schema_version_set& known) {
  auto version = stored_projection_schema(path);
  std::string why;
  if (version && *version != projection_schema_version && *version != 0)
    why = "has schema " + std::to_string(*version) + ", this build uses " + std::to_string(projection_schema_version);
  else if (version && *version != 0 && stored_projection_schema_versions(path) != known.to_string())
    why = "was built knowing event schema versions " + stored_projection_schema_versions(path) +
          ", this process knows " + known.to_string();
  if (!why.empty()) {
    log::warn("projector", "projection " + path + " " + why + ": deleting it to rebuild from the log");
    for (auto suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix);
    pipeline_metrics::get().projection_rebuilds.inc();
  }
  auto db = std::make_shared<projection>(path, known);
  pipeline_metrics::get().summary_skipped.set(static_cast<double>(db->skipped_summary_events()));
  return db;
}

}  // namespace

projector_actor spawn_projector(caf::actor_system& sys, projector_settings settings,
                                health_actor health) {
  auto db = open_or_rebuild(settings.db_path, settings.schema_versions);
  return sys.spawn<caf::detached>(projector_impl, std::move(settings), std::move(db),
                                  std::move(health));
}

}  // namespace eventbed
