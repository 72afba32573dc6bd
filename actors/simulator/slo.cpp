#include "actors/simulator/slo.hpp"

#include <cstdio>

#include "actors/simulator/simulation.hpp"

namespace eventbed {

namespace {

void over(sim_verdict& v, const char* what, double got, double limit, const char* unit) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %.6g%s > %.6g%s", what, got, unit, limit, unit);
  v.ok = false;
  v.violations.push_back(buf);
}

}  // namespace

sim_verdict check_slos(const slo_limits& limits, const simulation& sim) {
  sim_verdict v;
  const auto& c = sim.verdicts().counts();
  if (c.lost > limits.max_lost)
    over(v, "lost", double(c.lost), double(limits.max_lost), "");
  if (c.duplicated > limits.max_duplicated)
    over(v, "duplicated", double(c.duplicated), double(limits.max_duplicated), "");
  if (c.mismatched > limits.max_mismatched)
    over(v, "mismatched", double(c.mismatched), double(limits.max_mismatched), "");
  // --max-mismatched bounds the summary's differing cells too: both are data read back wrong.
  if (sim.summary_mismatched() > limits.max_mismatched)
    over(v, "summary mismatched cells", double(sim.summary_mismatched()), double(limits.max_mismatched), "");
  if (limits.max_functional_downtime >= 0) {
    double down = sim.downtime().union_seconds(downtime_reason::functional, sim.finished_at());
    if (down > limits.max_functional_downtime)
      over(v, "functional downtime", down, limits.max_functional_downtime, " s");
  }
  if (limits.max_p99 >= 0) {
    double p99 = sim.ingest_latency().percentile(99);
    if (sim.ingest_latency().count() == 0 && c.sent > 0) {
      v.ok = false;
      v.violations.push_back("ingest p99 undefined: no request was accepted");
    } else if (p99 > limits.max_p99)
      over(v, "ingest p99", p99, limits.max_p99, " s");
  }
  return v;
}

}  // namespace eventbed
