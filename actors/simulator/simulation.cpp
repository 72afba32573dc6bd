#include "actors/simulator/simulation.hpp"

#include <algorithm>
#include <cmath>

#include "actors/simulator/api_replies.hpp"

namespace eventbed {

namespace {

// Longest Retry-After honoured: a retry later than this is no longer about the same moment.
constexpr double max_retry_wait = 5;
// Retry pause when the target gave no Retry-After.
constexpr double default_retry_wait = 0.1;

load_schedule request_schedule(const simulate_options& o) {
  return load_schedule::make(o.load).scaled(1.0 / o.batch);
}

double bin_width(const simulate_options& o) {
  // One-second bins, widened so a long run still plots as at most ~600 points;
  // a continuous run widens them as it goes (timeline.hpp).
  return o.continuous ? 1.0 : std::max(1.0, std::ceil(o.load.duration / 600));
}

sim_histogram histogram_of(const latency_recorder& r) {
  sim_histogram h;
  h.bounds = r.bounds();
  h.counts = r.counts();
  h.sum = r.sum();
  h.count = r.count();
  return h;
}

event_factory factory_for(const simulate_options& o) {
  auto run = o.run_id.empty() ? make_run_id() : o.run_id;
  if (o.workload != "widgets")
    return event_factory(run, o.type, o.padding);
  // Events are numbered in schedule order: those of requests scheduled from
  // widget_switch_at on are the ones from this seq on.
  uint64_t switch_seq = UINT64_MAX;
  if (o.widget_switch_at >= 0)
    switch_seq = static_cast<uint64_t>(std::ceil(request_schedule(o).expected(o.widget_switch_at))) * o.batch;
  auto after = o.widget_switch_versions.empty() ? widget_mix{} : parse_widget_mix(o.widget_switch_versions);
  auto widgets = std::make_shared<widget_workload>(o.widget_seed, o.widget_skus, "r" + run + "-",
                                                   parse_widget_mix(o.widget_versions), switch_seq, after);
  return event_factory(run, o.type, o.padding, std::move(widgets));
}

constexpr const char* summary_target = "summary";

// Polls start and space out as the ledger's defaults say; only the deadline is the user's.
// A continuous run has no end at which to call an event lost, so it does so once
// the event has had its deadline and the grace period on top.
ledger_options ledger_options_for(const simulate_options& o) {
  ledger_options l;
  l.deadline = o.deadline;
  if (o.continuous)
    l.lose_after = o.deadline + o.grace;
  return l;
}

}  // namespace

simulation::simulation(simulate_options opts, sim_targets targets, std::chrono::system_clock::time_point wall_start)
    : opts_(std::move(opts)),
      targets_(std::move(targets)),
      wall_start_(wall_start),
      events_(factory_for(opts_)),
      driver_(request_schedule(opts_), opts_.batch, opts_.max_backlog),
      ledger_(ledger_options_for(opts_)),
      // Failures arrive at most a timeout (or a deadline plus a poll) after the time they speak for.
      tracker_(std::max(60.0, 4 * (opts_.deadline + opts_.timeout + opts_.probe_timeout))),
      timeline_(bin_width(opts_)) {
  for (const auto& t : targets_.ingest)
    tracker_.track(t.name, downtime_reason::functional);
  for (const auto& t : targets_.query)
    tracker_.track(t.name, downtime_reason::functional);
  tracker_.track(processing_target, downtime_reason::functional);
  for (const auto& t : targets_.probes)
    tracker_.track(t.name, downtime_reason::health);
  if (events_.widgets())
    tracker_.track(summary_target, downtime_reason::summary);
}

double simulation::load_end() const {
  return driver_.schedule().duration();
}

void simulation::count(const std::string& target, const char* kind, const sim_http_response& res,
                       const std::string& result, double sent, double done) {
  versions_.request(res.served_by, target, kind, result, done - sent);
  if (res.status > 0)
    ++statuses_[{kind, res.status}];
}

void simulation::give_up(const ingest_job& job, const std::string& cause) {
  // A first attempt was never sent (dropped); a pending retry was sent and failed (rejected).
  for (uint32_t i = 0; i < job.count; ++i) {
    uint64_t seq = job.first + i;
    if (job.attempt == 1) {
      ledger_.scheduled(seq, job.scheduled);
      ledger_.dropped(seq);
    } else {
      ledger_.rejected(seq);
    }
  }
  (job.attempt == 1 ? dropped_by_cause_ : rejected_by_cause_)[cause] += job.count;
}

std::vector<simulation::ingest_send> simulation::take_ingest(double now, size_t free_slots) {
  for (const auto& job : driver_.arrive(now))
    give_up(job, "backlog_full");
  std::vector<ingest_send> out;
  for (auto& job : driver_.take(now, free_slots)) {
    if (job.attempt == 1) {
      for (uint32_t i = 0; i < job.count; ++i) {
        ledger_.scheduled(job.first + i, job.scheduled);
        ledger_.sent(job.first + i);
        if (auto* w = events_.widgets())
          w->sent(job.first + i);
      }
      timeline_.add(sim_timeline::series::sent, now, job.count);
    }
    ingest_send s;
    s.job = job;
    s.target = next_ingest_++ % targets_.ingest.size();
    s.request.post = true;
    s.request.url = targets_.ingest[s.target].url;
    s.request.body = events_.body(job.first, job.count);
    s.request.timeout = opts_.timeout;
    out.push_back(std::move(s));
  }
  return out;
}

void simulation::ingest_done(const ingest_send& s, const sim_http_response& res, double sent, double done) {
  const auto& target = targets_.ingest[s.target].name;
  const auto& job = s.job;
  count(target, "ingest", res, res.cause(), sent, done);
  auto reply = read_ingest_reply(res, job.count);
  if (!reply.accepted) {
    tracker_.failure(target, downtime_reason::functional, sent, res.cause());
    timeline_.add(sim_timeline::series::errors, done);
    if (retryable(res) && job.attempt <= opts_.retries) {
      double wait = res.retry_after >= 0 ? std::min(res.retry_after, max_retry_wait) : default_retry_wait;
      driver_.retry(job, done + wait);
      return;
    }
    for (uint32_t i = 0; i < job.count; ++i)
      ledger_.rejected(job.first + i);
    rejected_by_cause_[res.cause()] += job.count;
    if (events_.widgets() && maybe_stored(res))
      for (uint32_t i = 0; i < job.count; ++i)
        lookups_.push_back(job.first + i);
    return;
  }
  tracker_.success(target, downtime_reason::functional, done);
  versions_.accepted(res.served_by, job.count);
  // From the scheduled time, not the send: a stall that delayed the send counts (coordinated omission).
  double latency = done - job.scheduled;
  ingest_latency_.add(latency);
  interval_.ingest_latency.record(latency);
  timeline_.add_latency(job.scheduled, latency);
  timeline_.add(sim_timeline::series::accepted, done, job.count);
  bool ids_ok = reply.ids.size() == job.count;
  for (uint32_t i = 0; i < job.count; ++i) {
    uint64_t seq = job.first + i;
    ledger_.accepted(seq, done);
    if (auto* w = events_.widgets())
      w->accepted(seq, done);
    if (!ids_ok || reply.ids[i] != events_.id(seq))
      ledger_.mismatched(seq);
  }
  // A repeat of an earlier attempt may rightly find its events stored; a first
  // attempt may not, unless libcurl silently resent it on a new connection.
  if (job.attempt == 1 && !res.maybe_resent) {
    if (job.count == 1 && reply.duplicate)
      ledger_.duplicated(job.first);
    if (job.count > 1)
      ledger_.duplicate_claims(reply.duplicates);
  }
}

std::vector<simulation::poll_send> simulation::take_polls(double now, size_t free_slots) {
  std::vector<poll_send> out;
  // The end lookups, once everything else is verified (done()).
  while (settled_at_ >= 0 && !lookups_.empty() && out.size() < free_slots) {
    poll_send p;
    p.seq = lookups_.back();
    lookups_.pop_back();
    p.lookup = true;
    p.target = next_query_++ % targets_.query.size();
    p.request.url = targets_.query[p.target].url + "/events/" + events_.id(p.seq);
    p.request.timeout = opts_.timeout;
    ++lookups_in_flight_;
    out.push_back(std::move(p));
  }
  free_slots -= out.size();
  for (uint64_t seq : ledger_.due(now, free_slots)) {
    poll_send p;
    p.seq = seq;
    p.target = next_query_++ % targets_.query.size();
    p.request.url = targets_.query[p.target].url + "/events/" + events_.id(seq);
    p.request.timeout = opts_.timeout;
    out.push_back(std::move(p));
  }
  return out;
}

void simulation::poll_done(const poll_send& p, const sim_http_response& res, double sent, double done) {
  const auto& target = targets_.query[p.target].name;
  if (p.lookup) {
    --lookups_in_flight_;
    auto answer = read_event_record(res, events_, p.seq);
    count(target, "lookup", res, answer.what == poll_answer::kind::error ? res.cause() : "ok", sent, done);
    if (answer.what == poll_answer::kind::error)
      lookups_.push_back(p.seq);  // asked again; the run's time limit bounds it
    else if (answer.what != poll_answer::kind::not_found)
      events_.widgets()->accepted(p.seq, done);
    if (lookups_.empty() && lookups_in_flight_ == 0)
      settled_at_ = done;  // the final summary probe must start after the last lookup
    return;
  }
  auto answer = read_event_record(res, events_, p.seq);
  bool answered = answer.what != poll_answer::kind::error;
  std::string cause = answered ? "ok" : (res.cause() == "ok" ? "bad_reply" : res.cause());
  count(target, "query", res, cause, sent, done);
  auto verdict = ledger_.polled(p.seq, sent, done, answer);
  if (answered) {
    tracker_.success(target, downtime_reason::functional, done);
  } else {
    tracker_.failure(target, downtime_reason::functional, sent, cause);
    timeline_.add(sim_timeline::series::errors, done);
  }
  if (verdict.process == poll_verdict::processing::visible)
    tracker_.success(processing_target, downtime_reason::functional, verdict.process_at);
  else if (verdict.process == poll_verdict::processing::late)
    tracker_.failure(processing_target, downtime_reason::functional, verdict.process_at, "not_visible_in_deadline");
  if (verdict.terminal) {
    visible_latency_.add(verdict.visible_latency);
    interval_.visible_latency.record(verdict.visible_latency);
  }
}

size_t simulation::probe_count() const {
  return targets_.probes.size() + (events_.widgets() ? 1 : 0);
}

sim_http_request simulation::probe_request(size_t probe) const {
  sim_http_request req;
  req.url = probe < targets_.probes.size() ? targets_.probes[probe].url : targets_.query.front().url + "/summary";
  req.timeout = opts_.probe_timeout;
  return req;
}

void simulation::summary_done(const sim_http_response& res, double sent, double done) {
  auto& w = *events_.widgets();
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  std::string cause = res.cause();
  if (cause == "ok") {
    auto wrong = w.check_during(body, done, opts_.deadline);
    if (!wrong.empty()) cause = "summary_wrong";
  }
  count(summary_target, "summary", res, cause, sent, done);
  if (cause == "ok")
    tracker_.success(summary_target, downtime_reason::summary, done);
  else
    tracker_.failure(summary_target, downtime_reason::summary, sent, cause);
  std::string difference;
  size_t differ = 0;
  if (res.status != 200) {
    differ = std::max<size_t>(1, w.accepted_cells().size());
    difference = "GET /summary answered " + res.cause();
  } else {
    differ = w.check_exact(body, &difference);
  }
  if (differ == 0 && !summary_was_exact_) summary_exact_at_ = done;
  summary_was_exact_ = differ == 0;
  if (settled_at_ >= 0 && lookups_.empty() && lookups_in_flight_ == 0 && sent >= settled_at_) {
    summary_final_ = true;
    summary_mismatched_ = differ;
    summary_difference_ = difference;
  }
}

void simulation::probe_done(size_t probe, const sim_http_response& res, double sent, double done) {
  if (probe >= targets_.probes.size())
    return summary_done(res, sent, done);
  const auto& target = targets_.probes[probe].name;
  auto cause = res.cause();
  count(target, "probe", res, cause, sent, done);
  if (cause == "ok") {
    tracker_.success(target, downtime_reason::health, done);
  } else {
    tracker_.failure(target, downtime_reason::health, sent, cause);
    timeline_.add(sim_timeline::series::errors, done);
  }
}

void simulation::stop(double now) {
  if (!stopped_)
    stopped_at_ = now;
  stopped_ = true;
  driver_.stop(now);
}

bool simulation::done(double now, size_t ingest_in_flight, size_t polls_in_flight) {
  // A continuous run owes its final report promptly: whatever is still in
  // flight then ends as run_over, rejected or unverified, not as lost.
  if (opts_.continuous && stopped_ && now >= stopped_at_ + continuous_stop_seconds)
    return true;
  double out_of_time = load_end() + opts_.grace;
  if (!driver_.exhausted())
    return false;
  if (!driver_.idle()) {
    if (now < out_of_time)
      return false;
    for (const auto& job : driver_.abandon())
      give_up(job, "run_over");
  }
  if (ingest_in_flight > 0 || polls_in_flight > 0)
    return false;
  // Every accepted event gets its full deadline, even one accepted during the grace period.
  double verify_until = std::max(out_of_time, ledger_.last_accepted() + opts_.deadline + 1);
  bool verified = ledger_.pending() == 0 || now >= verify_until;
  if (!verified || !events_.widgets())
    return verified;
  if (settled_at_ < 0)
    settled_at_ = now;
  if (!lookups_.empty() || lookups_in_flight_ > 0)
    return now >= verify_until + opts_.deadline + opts_.probe_timeout + 1;
  // A summary probe after everything was visible, and while time is left, an exact one.
  if (!summary_final_)
    return now >= verify_until + opts_.deadline + opts_.probe_timeout + 1;
  return summary_mismatched_ == 0 || now >= verify_until + opts_.deadline;
}

void simulation::finish(double now) {
  if (opts_.continuous && !stopped_)
    driver_.stop(now);  // ended without a stop (an internal error): the schedule still ends now
  for (const auto& job : driver_.abandon())
    give_up(job, "run_over");
  ledger_.finish(now);
  if (events_.widgets() && !summary_final_) {
    summary_mismatched_ = std::max<size_t>(1, events_.widgets()->accepted_cells().size());
    summary_difference_ = "no GET /summary answered after the run settled";
  }
  tracker_.close_all(now);
  finished_at_ = now;
}

void simulation::next_interval(double now) {
  interval_.start = now;
  interval_.counts_at_start = ledger_.counts();
  interval_.downtime_at_start.clear();
  for (const auto& t : tracker_.totals(now))
    interval_.downtime_at_start[{t.target, t.reason}] = t.seconds;
  interval_.ingest_latency.reset();
  interval_.visible_latency.reset();
}

sim_metrics_snapshot simulation::snapshot(double now) const {
  sim_metrics_snapshot s;
  for (const auto& t : tracker_.totals(now))
    s.downtime.push_back({t.target, to_string(t.reason), t.seconds, t.open});
  for (const auto& [version, f] : versions_.by_version()) {
    for (const auto& [k, n] : f.requests)
      s.requests.push_back({std::get<0>(k), std::get<1>(k), version, std::get<2>(k), n});
    for (const auto& [kind, latency] : f.latency)
      s.request_latency.push_back({kind, version, histogram_of(latency)});
    s.events_accepted_by_version.emplace_back(version, f.events_accepted);
  }
  s.ingest_latency = histogram_of(ingest_latency_);
  s.visible_latency = histogram_of(visible_latency_);
  s.counts = ledger_.counts();
  s.pending = ledger_.pending();
  s.backlog = driver_.queued();
  s.target_rate = driver_.schedule().rate_at(now) * opts_.batch;
  s.elapsed = now;
  return s;
}

}  // namespace eventbed
