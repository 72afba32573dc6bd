#include "actors/simulator/slo.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "actors/simulator/simulation.hpp"

namespace eventbed {

namespace {

const char* const latency_fields[] = {"min", "p50", "p90", "p95", "p99", "p99_9", "max", "mean"};

// A count of the report, by the names of ledger.hpp's named_counts.
std::optional<uint64_t> count_of(const ledger_counts& c, const std::string& m) {
  for (const auto& [name, n] : named_counts(c))
    if (m == name)
      return n;
  return std::nullopt;
}

// The widget workload's summary cells that differed from the expected totals
// (simulation::summary_mismatched): a count, but not one of the ledger's.
constexpr const char* summary_mismatched = "summary_mismatched";

bool is_count(const std::string& m) {
  return m == summary_mismatched || count_of(ledger_counts{}, m).has_value();
}

bool is_seconds(const std::string& m) {
  if (m == "functional_downtime" || m == "health_downtime")
    return true;
  for (const char* kind : {"ingest.", "visible."})
    for (const char* f : latency_fields)
      if (m == std::string(kind) + f)
        return true;
  return false;
}

double latency_of(const latency_summary& s, const std::string& field) {
  const std::map<std::string, double> by_name = {{"min", s.min}, {"p50", s.p50},     {"p90", s.p90},
                                                 {"p95", s.p95}, {"p99", s.p99},     {"p99_9", s.p999},
                                                 {"max", s.max}, {"mean", s.mean}};
  return by_name.at(field);
}

bool holds(double got, const std::string& op, double limit) {
  if (op == "<") return got < limit;
  if (op == "<=") return got <= limit;
  if (op == ">") return got > limit;
  if (op == ">=") return got >= limit;
  if (op == "==") return got == limit;
  return got != limit;
}

// The operator that describes a violation of `op`: "lost 3 > 0" breaks lost<=0.
const char* negation(const std::string& op) {
  if (op == "<") return ">=";
  if (op == "<=") return ">";
  if (op == ">") return "<=";
  if (op == ">=") return "<";
  if (op == "==") return "!=";
  return "==";
}

std::string seconds_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string parse_slo(const std::string& text, slo_expression& out) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c)))
      t += c;
  auto at = t.find_first_of("<>=!");
  if (at == std::string::npos || at == 0)
    return "--slo " + text + ": expected METRIC OP VALUE, e.g. lost==0 or ingest.p99<5ms";
  out.metric = t.substr(0, at);
  size_t len = (at + 1 < t.size() && t[at + 1] == '=') ? 2 : 1;
  out.op = t.substr(at, len);
  if (out.op == "=" || out.op == "!")
    return "--slo " + text + ": the operator is one of <, <=, >, >=, ==, !=";
  bool seconds = is_seconds(out.metric);
  if (!seconds && !is_count(out.metric))
    return "--slo " + text + ": unknown metric " + out.metric +
           " (counts such as lost, functional_downtime, health_downtime, ingest.p99, visible.max, ...)";
  std::string value = t.substr(at + len);
  char* end = nullptr;
  out.limit = std::strtod(value.c_str(), &end);
  std::string unit(end ? end : "");
  if (value.empty() || end == value.c_str())
    return "--slo " + text + ": no number after the operator";
  static const std::map<std::string, double> units = {{"", 1}, {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}};
  auto u = units.find(unit);
  if (u == units.end() || (!seconds && !unit.empty()))
    return "--slo " + text + ": " + (seconds ? "units are ms, s, m, h" : out.metric + " is a count: no unit");
  out.limit *= u->second;
  return "";
}

std::vector<std::string> slo_expressions(const simulate_options& o) {
  const auto& l = o.slo;
  std::vector<std::string> out = {"lost<=" + std::to_string(l.max_lost),
                                  "duplicated<=" + std::to_string(l.max_duplicated),
                                  "mismatched<=" + std::to_string(l.max_mismatched)};
  // The summary read back wrong is data read back wrong too: the same bound.
  if (o.workload == "widgets")
    out.push_back(std::string(summary_mismatched) + "<=" + std::to_string(l.max_mismatched));
  if (l.max_functional_downtime >= 0)
    out.push_back("functional_downtime<=" + seconds_text(l.max_functional_downtime) + "s");
  if (l.max_p99 >= 0)
    out.push_back("ingest.p99<=" + seconds_text(l.max_p99) + "s");
  out.insert(out.end(), o.slo_expressions.begin(), o.slo_expressions.end());
  return out;
}

sim_verdict check_slos(const simulate_options& o, const simulation& sim) {
  sim_verdict v;
  const auto& c = sim.verdicts().counts();
  for (const auto& text : slo_expressions(o)) {
    slo_expression e;
    if (!parse_slo(text, e).empty())
      continue;
    double got = 0;
    std::string unit;
    if (e.metric == summary_mismatched) {
      got = double(sim.summary_mismatched());
    } else if (is_count(e.metric)) {
      got = double(*count_of(c, e.metric));
    } else if (e.metric == "functional_downtime" || e.metric == "health_downtime") {
      auto reason = e.metric == "health_downtime" ? downtime_reason::health : downtime_reason::functional;
      got = sim.downtime().union_seconds(reason, sim.finished_at());
      unit = " s";
    } else {
      auto dot = e.metric.find('.');
      const auto& rec = e.metric.substr(0, dot) == "ingest" ? sim.ingest_latency() : sim.visible_latency();
      if (rec.count() == 0 && c.sent > 0) {
        v.ok = false;
        v.violations.push_back(e.metric + " undefined: no sample (" + text + ")");
        continue;
      }
      got = latency_of(rec.summary(), e.metric.substr(dot + 1));
      unit = " s";
    }
    if (holds(got, e.op, e.limit))
      continue;
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s %.6g%s %s %.6g%s", e.metric.c_str(), got, unit.c_str(), negation(e.op),
                  e.limit, unit.c_str());
    v.ok = false;
    v.violations.push_back(buf);
  }
  return v;
}

}  // namespace eventbed
