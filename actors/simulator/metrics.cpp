#include "actors/simulator/metrics.hpp"

#include <algorithm>

#include "common/prometheus_text.hpp"

namespace eventbed {

namespace {

using metrics::kind;

void write_histogram_series(std::string& out, const char* name, const metrics::labels& labels,
                            const sim_histogram& h) {
  std::vector<uint64_t> cumulative;
  uint64_t running = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    running += i < h.counts.size() ? h.counts[i] : 0;
    cumulative.push_back(running);
  }
  cumulative.push_back(h.count);
  metrics::write_histogram(out, name, labels, h.bounds, cumulative, h.sum);
}

void write_histogram(std::string& out, const char* name, const char* help, const sim_histogram& h) {
  metrics::write_family(out, name, kind::histogram, help);
  write_histogram_series(out, name, {}, h);
}

void write_counter(std::string& out, const char* name, const char* help, uint64_t v) {
  metrics::write_family(out, name, kind::counter, help);
  metrics::write_sample(out, name, {}, double(v));
}

void write_gauge(std::string& out, const char* name, const char* help, double v) {
  metrics::write_family(out, name, kind::gauge, help);
  metrics::write_sample(out, name, {}, v);
}

}  // namespace

std::string render_sim_metrics(const sim_metrics_snapshot& s) {
  std::string out;
  metrics::write_family(out, "sim_downtime_seconds_total", kind::counter,
                        "Seconds of downtime measured, per target and reason.");
  for (const auto& d : s.downtime)
    metrics::write_sample(out, "sim_downtime_seconds_total",
                          {{"target_service", d.target}, {"reason", d.reason}}, d.seconds);
  metrics::write_family(out, "sim_downtime_open", kind::gauge, "1 while a downtime window is open.");
  for (const auto& d : s.downtime)
    metrics::write_sample(out, "sim_downtime_open", {{"target_service", d.target}, {"reason", d.reason}},
                          d.open ? 1 : 0);
  metrics::write_family(out, "sim_requests_total", kind::counter,
                        "HTTP requests made by the simulator, by outcome and the version that answered.");
  for (const auto& r : s.requests)
    metrics::write_sample(out, "sim_requests_total",
                          {{"target_service", r.target}, {"kind", r.kind}, {"version", r.version}, {"result", r.result}},
                          double(r.count));
  metrics::write_family(out, "sim_request_duration_seconds", kind::histogram,
                        "Send to answer of each request, by kind and the version that answered.");
  for (const auto& l : s.request_latency)
    write_histogram_series(out, "sim_request_duration_seconds", {{"kind", l.kind}, {"version", l.version}}, l.latency);
  metrics::write_family(out, "sim_version_events_accepted_total", kind::counter,
                        "Events answered 202, by the version that answered.");
  for (const auto& [version, n] : s.events_accepted_by_version)
    metrics::write_sample(out, "sim_version_events_accepted_total", {{"version", version}}, double(n));
  write_histogram(out, "sim_ingest_latency_seconds", "Ingest latency from the scheduled send time to the 202.",
                  s.ingest_latency);
  write_histogram(out, "sim_visible_latency_seconds", "From the 202 to the first poll that saw the event final.",
                  s.visible_latency);
  const auto& c = s.counts;
  write_counter(out, "sim_events_scheduled_total", "Events the schedule produced.", c.scheduled);
  write_counter(out, "sim_events_sent_total", "Events sent at least once.", c.sent);
  write_counter(out, "sim_events_accepted_total", "Events answered 202.", c.accepted);
  metrics::write_family(out, "sim_events_outcome_total", kind::counter,
                        "Events by final outcome; each event has at most one.");
  for (const auto& [outcome, n] : {std::pair<const char*, uint64_t>{"processed", c.processed},
                                   {"failed", c.failed},
                                   {"lost", c.lost},
                                   {"rejected", c.rejected},
                                   {"dropped", c.dropped},
                                   {"unverified", c.unverified}})
    metrics::write_sample(out, "sim_events_outcome_total", {{"outcome", outcome}}, double(n));
  metrics::write_family(out, "sim_events_flagged_total", kind::counter,
                        "Events that failed a check; an event may be flagged more than once.");
  for (const auto& [flag, n] : {std::pair<const char*, uint64_t>{"late", c.late},
                                {"mismatched", c.mismatched},
                                {"duplicated", c.duplicated}})
    metrics::write_sample(out, "sim_events_flagged_total", {{"flag", flag}}, double(n));
  write_gauge(out, "sim_events_pending", "Accepted events not yet seen processed or failed.", double(s.pending));
  write_gauge(out, "sim_backlog_requests", "Requests waiting to be sent: due without a free connection, or retries.",
              double(s.backlog));
  write_gauge(out, "sim_target_rate", "Scheduled events per second right now.", s.target_rate);
  write_gauge(out, "sim_elapsed_seconds", "Seconds since the run started.", s.elapsed);
  return out;
}

void sim_live_metrics::publish(sim_metrics_snapshot s) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& d : s.downtime) {
    auto& high = high_water_[{d.target, d.reason}];
    high = std::max(high, d.seconds);
    d.seconds = high;
  }
  latest_ = std::move(s);
}

std::string sim_live_metrics::render() const {
  return render_sim_metrics(latest());
}

sim_metrics_snapshot sim_live_metrics::latest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

}  // namespace eventbed
