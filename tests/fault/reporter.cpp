#include "tests/fault/reporter.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "tests/fault/fault_stack.hpp"
#include "tests/fault/load.hpp"

namespace eventbed::fault {

namespace {

std::mutex rows_mu;
std::vector<result_row> rows;

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : sep) + p;
  return out;
}

// A table cell: no line breaks, no column separators.
std::string cell(std::string s) {
  for (auto& ch : s)
    if (ch == '\n' || ch == '|')
      ch = ch == '|' ? '/' : ' ';
  return s;
}

const char* build_kind() {
#if defined(__SANITIZE_ADDRESS__)
  return "built with ASan + UBSan";
#else
  return "unsanitized build";
#endif
}

long long total_503s(const measurement& m) {
  long long n = static_cast<long long>(probe_503s(m, false));
  for (const auto& [kind, results] : m.requests)
    for (const auto& [result, count] : results)
      if (result == "http_503")
        n += count;
  return n;
}

nlohmann::json to_json(const result_row& r) {
  nlohmann::json j = {{"case", r.name}, {"fault", r.what}, {"ok", r.ok()}, {"case_seconds", r.case_seconds}};
  if (!r.setup_error.empty())
    j["setup_error"] = r.setup_error;
  if (!r.measured)
    return j;
  const auto& m = r.m;
  j["simulator"] = {{"exit", m.sim_exit},         {"accepted", m.accepted}, {"processed", m.processed},
                    {"failed", m.failed},         {"lost", m.lost},         {"duplicated", m.duplicated},
                    {"mismatched", m.mismatched}, {"late", m.late},         {"rejected", m.rejected},
                    {"functional_downtime_seconds", m.functional_downtime},
                    {"health_downtime_seconds", m.health_downtime},
                    {"requests", m.requests},     {"ingest_latency", m.ingest_latency}};
  j["probe"] = {{"outcomes", m.probe},
                {"accepted", m.probe_accepted},
                {"lost", m.probe_lost},
                {"slowest_seconds", m.probe_slowest}};
  j["log"] = {{"logged_events", m.logged_events},
              {"duplicate_ids", m.log_duplicate_ids},
              {"reprocessed", m.reprocessed},
              {"projected_events", m.projected}};
  j["group"] = {{"taken_over", m.taken_over}, {"max_lag", m.max_lag}, {"drained", m.drained}};
  j["fault_record"] = {{"seconds", m.fault_seconds}, {"offset", m.fault_offset}, {"detail", m.fault.detail}};
  if (m.fault.held_at_fault >= 0)
    j["fault_record"]["victim"] = {{"consumer_prefix", m.fault.victim_prefix},
                                   {"held_at_fault", m.fault.held_at_fault},
                                   {"pending_at_end", m.victim_pending_end}};
  if (m.fault.flood) {
    const auto& f = *m.fault.flood;
    j["fault_record"]["flood"] = {{"requests", f.requests},         {"accepted", f.accepted},
                                  {"rejected_503", f.rejected_503}, {"without_retry_after", f.without_retry_after},
                                  {"other", f.other},               {"median_503_ms", f.median_503_ms},
                                  {"rss_before_kb", f.rss_before_kb}, {"rss_peak_kb", f.rss_peak_kb}};
  }
  j["recovery_seconds"] = m.recovery_seconds;
  j["ready_after_seconds"] = m.ready_after ? nlohmann::json(*m.ready_after) : nlohmann::json(nullptr);
  j["redis_stalls_ms"] = m.redis_stalls;
  j["exit_codes"] = m.exit_codes;
  j["notes"] = m.notes;
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : r.v.checks)
    checks.push_back({{"check", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  j["checks"] = checks;
  return j;
}

}  // namespace

void record(result_row row) {
  std::lock_guard<std::mutex> lock(rows_mu);
  rows.push_back(std::move(row));
}

std::string what_clients_saw(const result_row& r) {
  const auto& m = r.m;
  std::vector<std::string> parts;
  if (m.ingest_latency.is_object() && m.ingest_latency.value("max", 0.0) >= 1.0)
    parts.push_back("ingest latency p99 " + fmt("%.2f", m.ingest_latency.value("p99", 0.0)) + " s, max " +
                    fmt("%.2f", m.ingest_latency.value("max", 0.0)) + " s");
  for (const auto& [kind, results] : m.requests) {
    std::vector<std::string> bad;
    long long ok = 0;
    for (const auto& [result, count] : results) {
      if (result == "ok")
        ok = count;
      else
        bad.push_back(result + " " + std::to_string(count));
    }
    if (!bad.empty())
      parts.push_back(kind + ": " + join(bad, ", ") + " (ok " + std::to_string(ok) + ")");
  }
  auto p503 = probe_503s(m, false);
  if (p503 > 0)
    parts.push_back("probe 503 " + std::to_string(p503) + ", with Retry-After " +
                    std::to_string(p503 - probe_503s(m, true)));
  std::vector<std::string> other;
  for (const auto& [outcome, n] : m.probe)
    if (outcome != "202" && outcome.rfind("503 ", 0) != 0)
      other.push_back(outcome + " " + std::to_string(n));
  if (!other.empty())
    parts.push_back("probe " + join(other, ", "));
  long worst = 0;
  std::vector<std::string> stalls;
  for (const auto& [event, ms] : m.redis_stalls) {
    worst = std::max(worst, ms);
    stalls.push_back(event);
  }
  if (worst >= 500)
    parts.push_back("(Redis stalled up to " + std::to_string(worst) + " ms: " + join(stalls, ", ") + ")");
  return parts.empty() ? "all ok" : join(parts, "; ");
}

std::string markdown(const std::vector<result_row>& rows, const std::string& command, double suite_seconds) {
  std::string out;
  out += "Command: `" + command + "`\n\n";
  out += "Stack per case, all on 127.0.0.1: redis-server (AOF, appendfsync always), eventbed `--roles ingest` "
         "(`--request-timeout-ms " + std::to_string(server_timeout_ms) + "`), two `--roles process` "
         "(`--claim-idle-ms " + std::to_string(claim_idle_ms) + "`), `--roles query`; `eventbed simulate` at "
         "200 ev/s for 14 s (slow-consumer: 150 ev/s), timeout " + fmt("%g", client_timeout_s) +
         " s, 2 retries, deadline " + std::to_string(deadline_s) + " s, plus a probe client posting 5 ev/s.\n\n";
  out += "| case | fault | accepted | lost | dup (users) | mismatched | late | 503s | fault s | recovery s | "
         "functional downtime s | health downtime s | what clients saw | taken over / processed twice | case s | verdict |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  size_t passed = 0;
  for (const auto& r : rows) {
    passed += r.ok() ? 1 : 0;
    std::string verdict = r.ok() ? "PASS" : "FAIL: " + (r.setup_error.empty() ? join(r.v.problems(), "; ")
                                                                               : "setup: " + r.setup_error);
    if (!r.measured) {
      out += "| " + r.name + " | " + cell(r.what) + " | | | | | | | | | | | | | " + fmt("%.1f", r.case_seconds) +
             " | " + cell(verdict) + " |\n";
      continue;
    }
    const auto& m = r.m;
    std::vector<std::string> notes;
    if (!m.fault.detail.empty())
      notes.push_back(m.fault.detail);
    if (m.fault.held_at_fault >= 0)
      notes.push_back("victim held " + std::to_string(m.fault.held_at_fault) + " entries");
    if (r.name == "slow-consumer")
      notes.push_back("max lag " + std::to_string(static_cast<long>(m.max_lag)) + " entries");
    if (r.name == "projection-rebuild" && m.ready_after)
      notes.push_back("rebuilt " + std::to_string(m.logged_events) + " events and ready " +
                      fmt("%.1f", *m.ready_after) + " s after restart");
    for (const auto& n : m.notes)
      notes.push_back(n);
    std::string fault = r.what + (notes.empty() ? "" : " (" + join(notes, "; ") + ")");
    out += "| " + r.name + " | " + cell(fault) + " | " + std::to_string(m.accepted) + " | " +
           std::to_string(m.lost + static_cast<long long>(m.probe_lost.size())) + " | " +
           std::to_string(m.duplicated) + " | " + std::to_string(m.mismatched) + " | " + std::to_string(m.late) +
           " | " + std::to_string(total_503s(m)) + " | " + fmt("%.1f", m.fault_seconds) + " | " +
           fmt("%.1f", m.recovery_seconds) + " | " + fmt("%.1f", m.functional_downtime) + " | " +
           fmt("%.1f", m.health_downtime) + " | " + cell(what_clients_saw(r)) + " | " +
           std::to_string(static_cast<long>(m.taken_over)) + " / " +
           std::to_string(m.reprocessed) + " | " + fmt("%.1f", r.case_seconds) + " | " + cell(verdict) + " |\n";
  }
  char finished[32];
  std::time_t now = std::time(nullptr);
  std::strftime(finished, sizeof finished, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  out += "\n" + std::to_string(passed) + "/" + std::to_string(rows.size()) + " cases passed in " +
         fmt("%.0f", suite_seconds) + " s (" + build_kind() + ", finished " + finished + ").\n\n";
  out += "lost: accepted (202) events never seen processed/failed, by the simulator plus the probe client; "
         "dup (users): first attempts the API called duplicates; late: accepted events not visible within " +
         std::to_string(deadline_s) + " s; 503s: answered 503 to the simulator and the probe (the overload "
         "flood's own are in its note); recovery: from the end of the fault (process restarted/resumed, Redis "
         "back, load over) until the restored component is ready and every functional downtime window has "
         "closed; health downtime: time during which at least one role's /readyz probe failed; taken over: entries claimed from another consumer (eventbed_events_taken_over_total, summed "
         "over every process that ran); processed twice: outcomes beyond one per event in eventbed:outcomes "
         "(at-least-once processing, invisible to users: the projection keeps the first).\n";
  return out;
}

results_reporter::results_reporter(std::string command) : command_(std::move(command)) {
  if (const char* c = std::getenv("EVENTBED_FAULT_COMMAND"); c != nullptr && *c != '\0')
    command_ = c;
}

void results_reporter::OnTestProgramStart(const ::testing::UnitTest&) { started_ = wall_now(); }

void results_reporter::OnTestProgramEnd(const ::testing::UnitTest&) {
  std::vector<result_row> copy;
  {
    std::lock_guard<std::mutex> lock(rows_mu);
    copy = rows;
  }
  if (copy.empty())
    return;  // --gtest_list_tests, or every case filtered out
  auto md = markdown(copy, command_, wall_now() - started_);
  std::cout << "\n" << md << std::flush;
  if (const char* path = std::getenv("EVENTBED_FAULT_RESULTS"); path != nullptr && *path != '\0') {
    std::ofstream(path) << md;
    std::cout << "results table: " << path << "\n";
  }
  if (const char* dir = std::getenv("EVENTBED_FAULT_OUT"); dir != nullptr && *dir != '\0') {
    nlohmann::json all = {{"command", command_}, {"build", build_kind()}, {"suite_seconds", wall_now() - started_}};
    all["cases"] = nlohmann::json::array();
    for (const auto& r : copy)
      all["cases"].push_back(to_json(r));
    std::ofstream(std::string(dir) + "/results.json") << all.dump(2) << "\n";
  }
}

}  // namespace eventbed::fault
