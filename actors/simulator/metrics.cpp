#include "actors/simulator/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace eventbed {

namespace {

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void histogram(std::string& out, const char* name, const char* help, const sim_histogram& h) {
  header(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += i < h.counts.size() ? h.counts[i] : 0;
    out += std::string(name) + "_bucket{le=\"" + number(h.bounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += std::string(name) + "_bucket{le=\"+Inf\"} " + std::to_string(h.count) + "\n";
  out += std::string(name) + "_sum " + number(h.sum) + "\n";
  out += std::string(name) + "_count " + std::to_string(h.count) + "\n";
}

void gauge(std::string& out, const char* name, const char* help, double v) {
  header(out, name, "gauge", help);
  out += std::string(name) + " " + number(v) + "\n";
}

}  // namespace

std::string render_sim_metrics(const sim_metrics_snapshot& s) {
  std::string out;
  header(out, "sim_downtime_seconds_total", "counter", "Seconds of downtime measured, per target and reason.");
  for (const auto& d : s.downtime)
    out += "sim_downtime_seconds_total{target_service=\"" + escape(d.target) + "\",reason=\"" + escape(d.reason) +
           "\"} " + number(d.seconds) + "\n";
  header(out, "sim_downtime_open", "gauge", "1 while a downtime window is open.");
  for (const auto& d : s.downtime)
    out += "sim_downtime_open{target_service=\"" + escape(d.target) + "\",reason=\"" + escape(d.reason) + "\"} " +
           (d.open ? "1" : "0") + "\n";
  header(out, "sim_requests_total", "counter", "HTTP requests made by the simulator, by outcome.");
  for (const auto& r : s.requests)
    out += "sim_requests_total{target_service=\"" + escape(r.target) + "\",kind=\"" + escape(r.kind) +
           "\",result=\"" + escape(r.result) + "\"} " + std::to_string(r.count) + "\n";
  histogram(out, "sim_ingest_latency_seconds", "Ingest latency from the scheduled send time to the 202.",
            s.ingest_latency);
  histogram(out, "sim_visible_latency_seconds", "From the 202 to the first poll that saw the event final.",
            s.visible_latency);
  header(out, "sim_events_total", "counter", "Events by ledger verdict.");
  for (const auto& [verdict, n] : s.events)
    out += "sim_events_total{result=\"" + escape(verdict) + "\"} " + std::to_string(n) + "\n";
  gauge(out, "sim_events_pending", "Accepted events not yet seen processed or failed.", double(s.pending));
  gauge(out, "sim_backlog_requests", "Requests waiting to be sent: due without a free connection, or retries.",
        double(s.backlog));
  gauge(out, "sim_target_rate", "Scheduled events per second right now.", s.target_rate);
  gauge(out, "sim_elapsed_seconds", "Seconds since the run started.", s.elapsed);
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
