#include "actors/simulator/progress_line.hpp"

#include <cstdio>

namespace eventbed {

namespace {

// The smallest bucket bound under which 99% of the samples fall.
double p99_bound(const sim_histogram& h) {
  if (h.count == 0)
    return 0;
  uint64_t need = h.count - h.count / 100, seen = 0;
  for (size_t i = 0; i < h.bounds.size() && i < h.counts.size(); ++i) {
    seen += h.counts[i];
    if (seen >= need)
      return h.bounds[i];
  }
  return -1;  // beyond the last bound
}

}  // namespace

progress_line::progress_line(double duration) : duration_(duration) {}

std::string progress_line::render(const sim_metrics_snapshot& s) {
  uint64_t accepted = s.counts.accepted;
  double dt = s.elapsed - last_elapsed_;
  double rate = dt > 0 ? double(accepted - last_accepted_) / dt : 0;
  last_elapsed_ = s.elapsed;
  last_accepted_ = accepted;
  uint64_t errors = 0;
  for (const auto& r : s.requests)
    if (r.result != "ok")
      errors += r.count;
  std::string down;
  for (const auto& d : s.downtime)
    if (d.open)
      down += (down.empty() ? "" : ",") + d.target + "/" + d.reason;
  double p99 = p99_bound(s.ingest_latency);
  char p99_text[32];
  if (p99 < 0)
    std::snprintf(p99_text, sizeof p99_text, "p99>%.0fs", s.ingest_latency.bounds.back());
  else
    std::snprintf(p99_text, sizeof p99_text, "p99<=%.0fms", p99 * 1000);
  char of[32] = "";  // a continuous run has no end to show
  if (duration_ > 0)
    std::snprintf(of, sizeof of, "/%.0fs", duration_);
  char line[256];
  std::snprintf(line, sizeof line, "[%6.1fs%s] %.0f ev/s target, %.1f accepted  err %llu  pending %llu  backlog %llu  %s  down: %s",
                s.elapsed, of, s.target_rate, rate, static_cast<unsigned long long>(errors),
                static_cast<unsigned long long>(s.pending), static_cast<unsigned long long>(s.backlog), p99_text,
                down.empty() ? "-" : down.c_str());
  return line;
}

}  // namespace eventbed
