#include "actors/processor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <thread>

#include "actors/logging.hpp"
#include "actors/observability/pipeline_metrics.hpp"
#include "storage/event_log.hpp"
#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

using clock = std::chrono::steady_clock;

// XREADGROUP blocks this long when the stream is idle; short, so an exit
// message is noticed quickly, and well below the connection's read timeout.
constexpr auto read_block = std::chrono::milliseconds(100);
constexpr auto retry_after_error = std::chrono::milliseconds(250);

struct processor_state {
  processor_settings settings;
  std::shared_ptr<const handler_registry> handlers;
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<event_log> log;
  std::unique_ptr<health_reporter> health;
  bool group_ready = false;
  std::string claim_cursor = "0-0";
  clock::time_point next_claim{};
  clock::time_point next_group_report{};
  static inline const char* name = "processor";
};

using self_ptr = processor_actor::stateful_pointer<processor_state>;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The registered handler, behind the experiment knobs.
handler_result run_handler(const processor_state& st, const event& ev) {
  const auto& f = st.settings.faults;
  if (f.process_latency.active())
    std::this_thread::sleep_for(f.process_latency.draw());
  if (f.process_cpu.count() > 0)
    burn_cpu(f.process_cpu);
  if (f.fail_now())
    return handler_result::again("injected fault (--inject-error-rate)");
  return st.handlers->handle(ev);
}

// Runs the handlers of a batch, then records all outcomes and acks in one round trip.
// Entries whose handler asks for a retry stay pending (no ack) unless this was
// their last allowed delivery.
void process(processor_state& st, std::vector<logged_event>& entries) {
  if (entries.empty())
    return;
  auto& pm = pipeline_metrics::get();
  pm.process_batch.observe(static_cast<double>(entries.size()));
  std::vector<outcome> outcomes;
  std::vector<std::string> acks;
  outcomes.reserve(entries.size());
  acks.reserve(entries.size());
  for (auto& entry : entries) {
    auto& ev = entry.ev;
    handler_result res = entry.deliveries > st.settings.max_deliveries
                             ? handler_result::fail("delivery limit reached")
                             : run_handler(st, ev);
    if (res.outcome == handler_result::kind::retry) {
      if (entry.deliveries < st.settings.max_deliveries) {
        pm.retried.inc();
        log::debug(st.settings.consumer, "will retry: " + res.detail,
                   {ev.id, log::trace_id_of(ev.traceparent)});
        continue;
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
    out.processed_at_ms = now_ms();
    out.traceparent = ev.traceparent;
    if (out.status == outcome_status::failed)
      log::warn(st.settings.consumer, "event failed: " + out.detail,
                {ev.id, log::trace_id_of(ev.traceparent)});
    outcomes.push_back(std::move(out));
    acks.push_back(entry.stream_id);
  }
  if (acks.empty())
    return;
  auto started = steady_now_ns();
  st.log->complete(outcomes, acks);
  pm.redis_complete.observe(seconds_since(started));
  for (const auto& out : outcomes)
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

void poll(self_ptr self) {
  auto& st = self->state;
  auto& am = actor_metrics::of("processor");
  actor_timer timer(am);
  am.mailbox.set(static_cast<double>(self->mailbox().size()));
  try {
    if (!st.group_ready) {
      st.log->ensure_group();
      st.group_ready = true;
      st.health->report(true);  // before the first blocking read: ready sooner
    }
    if (clock::now() >= st.next_claim) {
      // Claim at a fraction of the idle time, so takeover starts soon after it is due.
      st.next_claim = clock::now() + std::max(st.settings.claim_idle / 4,
                                              std::chrono::milliseconds(100));
      auto stale = st.log->claim_stale(st.settings.consumer, st.settings.claim_idle,
                                       st.settings.batch, &st.claim_cursor);
      pipeline_metrics::get().taken_over.inc(stale.size());
      if (!stale.empty())
        log::info(st.settings.consumer,
                  "took over " + std::to_string(stale.size()) + " stale entries");
      process(st, stale);
    }
    auto fresh = st.log->read_group(st.settings.consumer, st.settings.batch, read_block);
    process(st, fresh);
    report_group(st);
    st.health->report(true);
    self->send(self, poll_atom::value);
  } catch (const storage_error& e) {
    am.failures.inc();
    st.group_ready = false;
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
  st.conn = std::make_unique<redis_connection>(parse_redis_endpoint(st.settings.redis));
  st.log = std::make_unique<event_log>(*st.conn);
  st.health = std::make_unique<health_reporter>(std::move(health), st.settings.consumer);

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
