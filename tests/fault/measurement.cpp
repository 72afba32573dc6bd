#include "tests/fault/measurement.hpp"
#include "tests/support/iso_time.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "tests/support/deadline.hpp"
#include "tests/support/event_log.hpp"
#include "tests/support/event_polling.hpp"

namespace eventbed::fault {

namespace {

using namespace std::chrono_literals;

// Bounds of the waits below: generous, since a sanitized build on a loaded
// machine is several times slower. A wait that ends early costs nothing.
constexpr auto recovery_limit = 120s;
constexpr auto settle_limit = 60s;

// A process that died on its own is not waited for: the verdict reports its exit code.
std::chrono::milliseconds limit_for(role& r) {
  return r.proc->running() ? std::chrono::milliseconds(settle_limit) : std::chrono::milliseconds(0);
}

bool group_drained(fault_stack& stack) {
  for (auto* p : stack.processors()) {
    double lag = p->proc->metric("eventbed_consumer_group_lag");
    double pending = p->proc->metric("eventbed_consumer_group_pending");
    if (lag != 0 || pending != 0)  // -1: absent or no answer
      return false;
  }
  return true;
}

// When the restored part is ready again, counted from the fault's end.
std::optional<double> wait_recovered(fault_stack& stack, const fault_record& fault, std::vector<std::string>& notes) {
  if (fault.lasts_the_load) {
    // The backlog built during the load must drain once it is over.
    if (eventually([&] { return group_drained(stack); }, recovery_limit, 100ms))
      return wall_now() - fault.end;
    notes.push_back("the consumer group did not drain within 120 s");
    return std::nullopt;
  }
  if (fault.recovered_by == nullptr)
    return std::nullopt;
  if (fault.recovered_by->proc->running() && fault.recovered_by->proc->wait_ready(recovery_limit))
    return wall_now() - fault.end;
  notes.push_back(fault.recovered_by->name + " not ready within 120 s of the fault's end");
  return std::nullopt;
}

void read_report(const nlohmann::json& r, double fault_start, double fault_end, measurement& m) {
  m.has_report = true;
  m.accepted = r.value("accepted", 0LL);
  m.processed = r.value("processed", 0LL);
  m.failed = r.value("failed", 0LL);
  m.lost = r.value("lost", 0LL);
  m.duplicated = r.value("duplicated", 0LL);
  m.mismatched = r.value("mismatched", 0LL);
  m.late = r.value("late", 0LL);
  m.rejected = r.value("rejected", 0LL);
  m.functional_downtime = r.value("functional_downtime_seconds", 0.0);
  m.health_downtime = r.value("health_downtime_seconds", 0.0);
  m.ingest_latency = r["latency"]["ingest"];
  for (const auto& q : r["requests"]) {
    auto kind = q.value("kind", "");
    if (kind == "ingest" || kind == "query")
      m.requests[kind][q.value("result", "")] += q.value("count", 0LL);
  }
  // Recovery: until every functional downtime window that was open during or
  // after the fault has closed, and the restored part is ready.
  double started = iso_seconds(r.value("started_at", ""));
  double fs = fault_start - started, fe = fault_end - started;
  m.fault_offset = fs;
  double closed_after = 0;
  for (const auto& w : r["windows"])
    if (w.value("reason", "") == "functional" && w.value("end_offset", 0.0) >= fs)
      closed_after = std::max(closed_after, w.value("end_offset", 0.0) - fe);
  m.recovery_seconds = std::max(closed_after, m.ready_after.value_or(0.0));
}

void read_log(fault_stack& stack, measurement& m) {
  auto events = logged_ids(stack.redis_url(), "eventbed:events");
  auto outcomes = logged_ids(stack.redis_url(), "eventbed:outcomes");
  std::set<std::string> distinct(events.begin(), events.end());
  std::set<std::string> distinct_outcomes(outcomes.begin(), outcomes.end());
  m.logged_events = distinct.size();
  m.log_duplicate_ids = events.size() - distinct.size();
  m.reprocessed = outcomes.size() - distinct_outcomes.size();
  // Once caught up, the projection holds exactly one row per logged event;
  // after a failover it may also hold events the promoted replica never got.
  const bool failed_over = !stack.sentinels().empty();
  eventually(
      [&] {
        auto p = stack.projected();
        return failed_over ? p >= static_cast<long>(m.logged_events) : p == static_cast<long>(m.logged_events);
      },
      limit_for(stack.query()), 200ms);
  m.projected = stack.projected();
}

}  // namespace

std::set<std::string> probe_allowed(const fault_case& c) {
  std::set<std::string> out;
  for (const auto& a : c.allowed.ingest) {
    if (a == "connect") out.insert("connect");
    if (a == "transport") out.insert({"transport", "empty_reply"});
    if (a == "timeout") out.insert("timeout");
  }
  return out;
}

measurement measure(fault_stack& stack, simulator_run& sim, probe_client& probe, lag_watcher& watcher,
                    const fault_case& c, const fault_record& fault) {
  measurement m;
  m.fault = fault;
  m.notes = fault.notes;
  m.fault_seconds = fault.end - fault.start;
  m.ready_after = wait_recovered(stack, fault, m.notes);

  // The simulator ends by itself: the load, then verification until nothing is pending.
  m.sim_exit = sim.finish(std::chrono::seconds(c.load.seconds) + 120s, m.notes);
  watcher.stop();
  probe.stop();
  m.max_lag = watcher.max_lag();

  auto report = sim.report();
  if (report.is_object())
    read_report(report, fault.start, fault.end, m);
  else
    m.notes.push_back("the simulator wrote no report");

  // Probe events answered 202 must end processed too (they were sent during the fault).
  m.probe = probe.outcomes();
  auto accepted = probe.accepted();
  m.probe_accepted = accepted.size();
  m.probe_slowest = probe.slowest_seconds();
  m.probe_lost = unfinished(accepted, *stack.query().proc, {"processed", "failed"}, limit_for(stack.query()));

  read_log(stack, m);
  m.drained = eventually([&] { return group_drained(stack); }, settle_limit, 100ms);
  m.taken_over = stack.counter_total("eventbed_events_taken_over_total");
  if (!fault.victim_prefix.empty())
    m.victim_pending_end = stack.pending_at(fault.victim_prefix);
  m.redis_stalls = stack.redis_stalls();

  m.exit_codes = fault.stop_exit_codes;
  for (const auto& [instance, code] : stack.stop_all())
    m.exit_codes[instance] = code;
  return m;
}

}  // namespace eventbed::fault
