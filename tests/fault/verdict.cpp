#include "tests/fault/verdict.hpp"

namespace eventbed::fault {

namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep = ", ") {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : sep) + p;
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The probe's posts not answered 202.
size_t probe_unanswered(const measurement& m) {
  size_t n = 0;
  for (const auto& [outcome, count] : m.probe)
    n += outcome == "202" ? 0 : count;
  return n;
}

}  // namespace

bool verdict::ok() const {
  for (const auto& c : checks)
    if (!c.ok)
      return false;
  return true;
}

std::vector<std::string> verdict::problems() const {
  std::vector<std::string> out;
  for (const auto& c : checks)
    if (!c.ok)
      out.push_back(c.name + ": " + c.detail);
  return out;
}

std::vector<std::string> unexplained_requests(const fault_case& c, const measurement& m) {
  std::vector<std::string> out;
  for (const auto& [kind, results] : m.requests) {
    const auto& allowed = kind == "ingest" ? c.allowed.ingest : c.allowed.query;
    for (const auto& [result, n] : results) {
      // A 503 on ingest is the contract's visible failure, allowed anywhere (the
      // probe checks its Retry-After); hangs, empty replies and refused
      // connections only where the fault explains them.
      if (result == "ok" || allowed.count(result) || (kind == "ingest" && result == "http_503"))
        continue;
      out.push_back(kind + " " + result + " x" + std::to_string(n));
    }
  }
  return out;
}

std::vector<std::string> unexplained_probe(const fault_case& c, const measurement& m) {
  auto allowed = probe_allowed(c);
  std::vector<std::string> out;
  for (const auto& [outcome, n] : m.probe)
    if (outcome != "202" && !starts_with(outcome, "503 ") && !allowed.count(outcome))
      out.push_back(outcome + " x" + std::to_string(n));
  return out;
}

size_t probe_503s(const measurement& m, bool without_retry_after_only) {
  size_t n = 0;
  for (const auto& [outcome, count] : m.probe)
    if (starts_with(outcome, "503 ") &&
        (!without_retry_after_only || outcome.find("NO-RETRY-AFTER") != std::string::npos))
      n += count;
  return n;
}

verdict judge(const fault_case& c, const measurement& m) {
  verdict v;
  auto add = [&](std::string name, bool ok, std::string detail) {
    v.checks.push_back({std::move(name), ok, std::move(detail)});
  };
  auto n = [](auto x) { return std::to_string(x); };

  add("the simulator ran to its verdict", m.has_report && (m.sim_exit == 0 || m.sim_exit == 1),
      "exit " + n(m.sim_exit) + (m.has_report ? "" : ", no report"));
  std::vector<std::string> first_lost(m.probe_lost.begin(),
                                      m.probe_lost.begin() + std::min<size_t>(3, m.probe_lost.size()));
  const std::string reported = c.loss_judged ? "" : "reported, not judged: ";
  add("no accepted event lost", !c.loss_judged || (m.lost == 0 && m.probe_lost.empty()),
      reported + "simulator " + n(m.lost) + ", probe " + n(m.probe_lost.size()) +
          (first_lost.empty() ? "" : " (" + join(first_lost) + ")"));
  add("no first attempt called a duplicate", m.duplicated == 0, "duplicated " + n(m.duplicated));
  add("no event read back different", m.mismatched == 0, "mismatched " + n(m.mismatched));
  auto no_ra = probe_503s(m, true);
  add("every 503 carries Retry-After", no_ra == 0, n(no_ra) + " of " + n(probe_503s(m, false)) + " without");
  auto unexplained = unexplained_requests(c, m);
  add("clients saw only the failures the fault explains", unexplained.empty(), join(unexplained));
  auto probe_bad = unexplained_probe(c, m);
  add("the probe saw only the failures the fault explains", probe_bad.empty(), join(probe_bad));
  // A failover takes from the log what only the old primary held, and the
  // projection may have read it already. With --ack-replicas no such event
  // was answered 202, so there can be no more of them than events never
  // answered 202; without, 202'd ones may be among them (reported).
  const long logged = static_cast<long>(m.logged_events);
  if (c.replicated) {
    const long gone = m.projected - logged;
    const long unanswered = m.rejected + static_cast<long>(probe_unanswered(m));
    add("the projection holds every logged event once",
        gone >= 0 && (!c.loss_judged || gone <= unanswered),
        "projection " + n(m.projected) + ", log " + n(logged) + ": " + n(gone) +
            " projected, then gone from the log with the old primary; " + n(unanswered) +
            " events never answered 202");
  } else {
    add("the projection holds every logged event once", m.projected == logged,
        "projection " + n(m.projected) + ", log " + n(logged));
  }
  add("each event is logged once", m.log_duplicate_ids == 0, n(m.log_duplicate_ids) + " ids twice in the log");
  add("the consumer group drained (lag and pending 0)", m.drained, "max lag " + n(static_cast<long>(m.max_lag)));
  std::vector<std::string> bad_exits;
  for (const auto& [instance, code] : m.exit_codes)
    if (code != 0)
      bad_exits.push_back(instance + " " + n(code));
  add("every process exits 0 on SIGTERM", bad_exits.empty(), join(bad_exits));

  if (m.fault.held_at_fault >= 0) {
    // Entries a dead or stopped consumer held can only leave it by a takeover
    // (XAUTOCLAIM by another consumer), which eventbed counts.
    add("the victim's entries were taken over", m.taken_over >= m.fault.held_at_fault,
        "held " + n(m.fault.held_at_fault) + ", taken over " + n(static_cast<long>(m.taken_over)));
    add("no entry left at the victim", m.victim_pending_end == 0, n(m.victim_pending_end) + " still pending");
  }
  if (m.fault.flood) {
    const auto& f = *m.fault.flood;
    add("the flood was refused with 503", f.rejected_503 > 0,
        n(f.rejected_503) + " x 503 of " + n(f.requests) + " requests");
    add("every flood 503 carries Retry-After", f.without_retry_after == 0, n(f.without_retry_after) + " without");
  }
  return v;
}

}  // namespace eventbed::fault
