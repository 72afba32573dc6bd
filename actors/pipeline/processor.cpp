#include "actors/pipeline/processor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <thread>
#include <unordered_set>

#include "actors/pipeline/event_processing_metrics.hpp"
#include "actors/pipeline/pipeline_metrics.hpp"
#include "actors/pipeline/wakeable_actor.hpp"
#include "common/actor_metrics.hpp"
#include "common/logging.hpp"
#include "common/tracing.hpp"
#include "common/wall_clock.hpp"
#include "storage/event_log.hpp"
#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

using clock = std::chrono::steady_clock;

// An idle XREADGROUP blocks until the next periodic duty is due (the takeover
// scan, the group report), at most this long. It returns as soon as an entry
// arrives, and a message from outside (the exit at shutdown) ends it at once
// (wakeable_actor), so its length costs neither latency nor a slow stop; it
// sets how often an idle processor wakes up, and how often it tells health it
// is alive (well inside health's stale_after). Below the connection's read
// timeout.
constexpr auto max_read_block = std::chrono::milliseconds(1000);
constexpr auto retry_after_error = std::chrono::milliseconds(250);

struct processor_state {
  processor_settings settings;
  std::shared_ptr<const handler_registry> handlers;
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<event_log> log;
  std::unique_ptr<health_reporter> health;
  bool group_ready = false;
  // Where the read-back of this consumer's own pending entries stands: "0-0"
  // at startup and after a Redis error, empty once done (see work()).
  std::string own_pending_after = "0-0";
  std::string claim_cursor = "0-0";
  clock::time_point next_claim{};
  clock::time_point next_group_report{};
  actor_metrics metrics;                  // resolved at start
  event_processing_metrics event_timing;  // by event type
  std::function<bool()> exit_requested;   // the stop has arrived (wakeable_actor)
  static inline const char* name = "processor";
};

using self_ptr = wakeable_actor<processor_state, processor_actor>*;

// The registered handler, behind the experiment knobs.
handler_result run_handler(const processor_state& st, const event& ev, std::string_view traceparent) {
  const auto& f = st.settings.faults;
  if (f.process_latency.active())
    std::this_thread::sleep_for(f.process_latency.draw());
  if (f.process_cpu.count() > 0)
    burn_cpu(f.process_cpu);
  if (f.fail_now())
    return handler_result::again("injected fault (--inject-error-rate)");
  return st.handlers->handle(ev, traceparent);
}

// The span of one delivery's handling, a child of the event's trace context
// (which ingest set to the request's span). The handler and the outcome's
// traceparent name it as the parent, so what the handler sends on (the next
// hop of a chain) and the projection of the outcome are its children.
tracing::span processing_span(const processor_state& st, const logged_event& entry) {
  auto parent = tracing::parse_traceparent(entry.ev.traceparent);
  auto span = tracing::start_span("process " + st.settings.names.events, tracing::span_kind::consumer,
                                  parent ? &*parent : nullptr);
  if (span.recording()) {
    span.set("messaging.system", std::string("redis"));
    span.set("messaging.operation", std::string("process"));
    span.set("messaging.destination.name", st.settings.names.events);
    span.set("messaging.message.id", entry.ev.id);
    span.set("eventbed.event.type", entry.ev.type);
    span.set("eventbed.delivery", int64_t{entry.deliveries});
    span.set("eventbed.consumer", st.settings.consumer);
  }
  return span;
}

// The outcome of one delivery, or nothing when the entry stays pending for a
// retry (its handler asked for one and this was not its last allowed delivery).
std::optional<outcome> handle(const processor_state& st, const logged_event& entry) {
  auto& pm = pipeline_metrics::get();
  const auto& ev = entry.ev;
  tracing::span span;
  if (tracing::on())
    span = processing_span(st, entry);
  // The context what follows continues: this span, or, when it does not
  // record, the event's as it came.
  std::string traceparent = span.recording() ? span.context().traceparent() : ev.traceparent;
  handler_result res = entry.deliveries > st.settings.max_deliveries
                           ? handler_result::fail("delivery limit reached")
                           : run_handler(st, ev, traceparent);
  if (res.outcome == handler_result::kind::retry) {
    if (entry.deliveries < st.settings.max_deliveries) {
      span.fail("will retry: " + res.detail);
      pm.retried.inc();
      log::debug(st.settings.consumer, "will retry: " + res.detail,
                 {ev.id, log::trace_id_of(ev.traceparent)});
      return std::nullopt;
    }
    res = handler_result::fail("gave up after " + std::to_string(entry.deliveries) +
                               " deliveries: " + res.detail);
    pm.dead_lettered.inc();
  } else if (entry.deliveries > st.settings.max_deliveries) {
    pm.dead_lettered.inc();
  }
  outcome out;
  out.event_id = ev.id;
  out.status = res.outcome == handler_result::kind::processed ? outcome_status::processed
                                                               : outcome_status::failed;
  out.detail = std::move(res.detail);
  out.attempts = entry.deliveries;
  out.processed_at_ms = wall_clock_ms();
  out.traceparent = std::move(traceparent);
  if (out.status == outcome_status::failed) {
    span.fail(out.detail);
    log::warn(st.settings.consumer, "event failed: " + out.detail,
              {ev.id, log::trace_id_of(ev.traceparent)});
  }
  return out;
}

// A batch being processed: entries from `next` on still to run, and the
// outcomes ready for complete() with the stream ids they acknowledge.
struct batch {
  std::vector<logged_event> entries;
  size_t next = 0;
  std::vector<outcome> outcomes;
  std::vector<std::string> acks;
  std::vector<metrics::histogram*> timings;  // per outcome: its event type's series
  clock::time_point refreshed;  // when the idle time of the entries in hand was last reset
};

// Keeps the entries in hand (to run, or run and not completed yet) from being
// taken over by another processor while the batch is slow but alive: once a
// third of claim_idle has passed, their idle time is reset. Entries to retry
// are not in hand, so their takeover is not delayed. An entry that is no
// longer ours (taken over while this processor stalled) is dropped from the
// batch, as its new owner answers for it.
void keep_in_hand(processor_state& st, batch& b) {
  if (clock::now() - b.refreshed < st.settings.claim_idle / 3)
    return;
  std::vector<std::string> in_hand = b.acks;
  for (size_t i = b.next; i < b.entries.size(); ++i)
    in_hand.push_back(b.entries[i].stream_id);
  b.refreshed = clock::now();
  auto kept = st.log->refresh_claims(st.settings.consumer, in_hand);
  if (kept.size() == in_hand.size())
    return;
  std::unordered_set<std::string> ours(kept.begin(), kept.end());
  log::info(st.settings.consumer, std::to_string(in_hand.size() - kept.size()) +
                                      " entries in hand were taken over by another processor");
  size_t done = 0;
  for (size_t i = 0; i < b.acks.size(); ++i) {
    if (!ours.count(b.acks[i]))
      continue;
    b.acks[done] = std::move(b.acks[i]);
    b.timings[done] = b.timings[i];
    b.outcomes[done++] = std::move(b.outcomes[i]);
  }
  b.acks.resize(done);
  b.timings.resize(done);
  b.outcomes.resize(done);
  b.entries.erase(std::remove_if(b.entries.begin() + static_cast<std::ptrdiff_t>(b.next),
                                 b.entries.end(),
                                 [&](const logged_event& e) { return !ours.count(e.stream_id); }),
                  b.entries.end());
}

// Where a stop (the exit at shutdown, after SIGTERM) found a batch: noticed
// before a handler, or before or right after its complete(). The batch is
// finished all the same; this is only what the log says about it.
struct stop_in_batch {
  bool noticed = false;
  size_t to_run = 0;  // entries whose handler had not run yet

  void check(const processor_state& st, const batch& b) {
    if (noticed || !st.exit_requested())
      return;
    noticed = true;
    to_run = b.entries.size() - b.next;
  }

  // One line per stop that landed in a batch, once its outcomes are written:
  // the record that a scale-down or a rollout stopped this processor in the
  // middle of a batch and that nothing in hand was dropped.
  void report(const processor_state& st, const batch& b) const {
    if (!noticed)
      return;
    log::info(st.settings.consumer,
              "stop requested mid-batch: " + std::to_string(to_run) + " of " +
                  std::to_string(b.entries.size()) + " entries still to run; finished: " +
                  std::to_string(b.acks.size()) + " outcomes written and acknowledged, " +
                  std::to_string(b.entries.size() - b.acks.size()) + " left pending for a retry");
  }
};

// Runs the handlers of a batch read at `read_at`, then records all outcomes
// and acks in one round trip; each written outcome's time since the batch was
// taken goes to its type's eventbed_event_processing_seconds. A single handler slower than claim_idle can
// still lose its entry to a takeover: the handler then runs twice, and if the
// takeover slips in after the last keep_in_hand(), complete() writes a second
// outcome for it. The projection keeps the first outcome in stream order, so
// that costs work, not correctness.
void process(processor_state& st, actor_message& msg, std::vector<logged_event> entries,
             clock::time_point read_at) {
  if (entries.empty())
    return;
  auto taken_at = clock::now();
  msg.events(entries.size());
  auto& pm = pipeline_metrics::get();
  pm.process_batch.observe(static_cast<double>(entries.size()));
  batch b{std::move(entries), 0, {}, {}, {}, read_at};
  b.outcomes.reserve(b.entries.size());
  b.acks.reserve(b.entries.size());
  b.timings.reserve(b.entries.size());
  stop_in_batch stop;
  for (;;) {
    keep_in_hand(st, b);  // after the last handler too: before complete()
    stop.check(st, b);
    if (b.next == b.entries.size())
      break;
    const auto& entry = b.entries[b.next++];
    if (auto out = handle(st, entry)) {
      b.outcomes.push_back(std::move(*out));
      b.acks.push_back(entry.stream_id);
      b.timings.push_back(&st.event_timing.of(entry.ev.type));
    }
  }
  if (b.acks.empty()) {
    stop.report(st, b);
    return;
  }
  auto started = steady_now_ns();
  st.log->complete(b.outcomes, b.acks);
  pm.redis_complete.observe(seconds_since(started));
  stop.check(st, b);
  stop.report(st, b);
  auto took = std::chrono::duration<double>(clock::now() - taken_at).count();
  for (auto* timing : b.timings)
    timing->observe(took);
  for (const auto& out : b.outcomes)
    (out.status == outcome_status::processed ? pm.processed : pm.failed).inc();
}

// One processor per process reports the group's backlog, once a second.
void report_group(processor_state& st) {
  if (!st.settings.reports_group || clock::now() < st.next_group_report)
    return;
  st.next_group_report = clock::now() + std::chrono::seconds(1);
  auto pos = st.log->position();
  auto& pm = pipeline_metrics::get();
  pm.group_pending.set(static_cast<double>(pos.pending));
  if (pos.lag >= 0)
    pm.group_lag.set(static_cast<double>(pos.lag));
}

// Takes over, at a fraction of the idle time, entries other processors left
// pending for claim_idle, so takeover starts soon after it is due.
void take_over_stale(processor_state& st, actor_message& msg) {
  if (clock::now() < st.next_claim)
    return;
  st.next_claim = clock::now() + std::max(st.settings.claim_idle / 4,
                                          std::chrono::milliseconds(100));
  auto read_at = clock::now();
  auto stale = st.log->claim_stale(st.settings.consumer, st.settings.claim_idle,
                                   st.settings.batch, &st.claim_cursor);
  pipeline_metrics::get().taken_over.inc(stale.size());
  if (!stale.empty())
    log::info(st.settings.consumer, "took over " + std::to_string(stale.size()) + " stale entries");
  process(st, msg, std::move(stale), read_at);
}

// How long the next read may wait for new entries: until the next periodic
// duty, at most max_read_block.
std::chrono::milliseconds read_block(const processor_state& st) {
  auto due = st.next_claim;
  if (st.settings.reports_group)
    due = std::min(due, st.next_group_report);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), max_read_block);
}

// One round of work. After a restart or a lost connection, the entries this
// consumer was handed and never completed are still pending at it: they are
// read back first, a page per round, instead of lying idle until a takeover
// after claim_idle. Stale and new entries wait until that is done. The read
// of new entries may block until one arrives: that time is not busy.
void work(processor_state& st, actor_message& msg, wakeup& wake) {
  auto read_at = clock::now();
  if (!st.own_pending_after.empty()) {
    process(st, msg,
            st.log->read_own_pending(st.settings.consumer, st.settings.batch, &st.own_pending_after),
            read_at);
    return;
  }
  take_over_stale(st, msg);
  if (st.exit_requested())
    return;  // the stop came during the takeover: no new batch
  read_at = clock::now();
  auto entries = msg.waiting([&] {
    return st.log->read_group(st.settings.consumer, st.settings.batch, read_block(st), &wake);
  });
  process(st, msg, std::move(entries), read_at);
}

void poll(self_ptr self) {
  auto& st = self->state;
  auto msg = metered(self);
  try {
    if (!st.group_ready) {
      st.log->ensure_group();
      st.group_ready = true;
      st.health->report(true);  // before the first blocking read: ready sooner
    }
    work(st, msg, self->wake());
    report_group(st);
    st.health->report(true);
    self->send(self, poll_atom::value);
  } catch (const storage_error& e) {
    st.metrics.failures().inc();
    st.group_ready = false;
    st.own_pending_after = "0-0";
    st.health->report(false, std::string("redis: ") + e.what());
    log::warn(st.settings.consumer, std::string("redis failed, retrying: ") + e.what());
    self->delayed_send(self, retry_after_error, poll_atom::value);
  }
}

processor_actor::behavior_type processor_impl(self_ptr self, processor_settings settings,
                                              std::shared_ptr<const handler_registry> handlers,
                                              health_actor health) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.handlers = std::move(handlers);
  st.conn = std::make_unique<redis_connection>(st.settings.redis);
  st.log = std::make_unique<event_log>(*st.conn, st.settings.names);
  st.health = std::make_unique<health_reporter>(std::move(health), st.settings.consumer);
  st.metrics = actor_metrics::resolve("processor");
  st.exit_requested = [self] { return self->exit_requested(); };

  self->send(self, poll_atom::value);
  return {
      [=](poll_atom) { poll(self); },
  };
}

}  // namespace

processor_actor spawn_processor(caf::actor_system& sys, processor_settings settings,
                                std::shared_ptr<const handler_registry> handlers,
                                health_actor health) {
  return sys.spawn<caf::detached>(processor_impl, std::move(settings), std::move(handlers),
                                  std::move(health));
}

}  // namespace eventbed
