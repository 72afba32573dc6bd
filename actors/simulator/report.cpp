#include "actors/simulator/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "actors/simulator/simulation.hpp"
#include "common/wall_clock.hpp"

namespace eventbed {

namespace {

using nlohmann::json;

std::string iso_time(std::chrono::system_clock::time_point start, double offset) {
  auto t = start + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                       std::chrono::duration<double>(offset));
  return iso8601_utc(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

json summary_json(const latency_summary& s) {
  return {{"count", s.count}, {"min", s.min},     {"p50", s.p50}, {"p90", s.p90},  {"p95", s.p95},
          {"p99", s.p99},     {"p99_9", s.p999},  {"max", s.max}, {"mean", s.mean}};
}

json latency_json(const latency_summary& ingest, const latency_summary& visible) {
  return {{"ingest", summary_json(ingest)},
          {"visible", summary_json(visible)},
          {"relative_error", latency_recorder::relative_error()}};
}

json counts_json(const ledger_counts& c) {
  json out = json::object();
  for (const auto& [name, n] : named_counts(c))
    out[name] = n;
  return out;
}

// Every line a run writes starts with these, so a reader can tell lines apart.
json header(const simulation& sim, const char* kind) {
  return {{"schema_version", sim_report_schema_version},
          {"kind", kind},
          {"run_id", sim.events().run_id()},
          {"tool", {{"name", "eventbed simulate"}, {"version", sim.options().tool_version}}}};
}

json statuses_json(const simulation& sim) {
  json out = json::object();
  for (const auto& [k, n] : sim.statuses())
    out[k.first][std::to_string(k.second)] = n;
  return out;
}

json window_json(const simulation& sim, const downtime_window& w) {
  return {{"target", w.target},
          {"reason", to_string(w.reason)},
          {"cause", w.cause},
          {"start", iso_time(sim.wall_start(), w.start)},
          {"end", iso_time(sim.wall_start(), w.end)},
          {"start_offset", w.start},
          {"end_offset", w.end},
          {"seconds", w.end - w.start},
          {"failures", w.failures},
          {"open_at_end", w.open}};
}

json ids(const simulation& sim, std::vector<uint64_t> seqs) {
  std::sort(seqs.begin(), seqs.end());
  auto out = json::array();
  for (auto seq : seqs)
    out.push_back(sim.events().id(seq));
  return out;
}

json targets_json(const std::vector<named_url>& targets) {
  auto out = json::array();
  for (const auto& t : targets)
    out.push_back({{"name", t.name}, {"url", t.url}});
  return out;
}

// Header values are often credentials: only the names are reported.
json header_names(const std::vector<std::string>& headers) {
  auto out = json::array();
  for (const auto& h : headers)
    out.push_back(h.substr(0, h.find(':')));
  return out;
}

json config_json(const simulation& sim) {
  const auto& o = sim.options();
  return {{"ingest", targets_json(sim.targets().ingest)},
          {"query", targets_json(sim.targets().query)},
          {"probes", targets_json(sim.targets().probes)},
          {"shape", o.shape},
          {"rate", o.load.rate},
          {"duration", o.load.duration},
          {"batch", o.batch},
          {"concurrency", o.concurrency},
          {"query_concurrency", o.query_concurrency},
          {"timeout", o.timeout},
          {"retries", o.retries},
          {"deadline", o.deadline},
          {"grace", o.grace},
          {"probe_period", o.probe_period},
          {"probe_timeout", o.probe_timeout},
          {"type", o.type},
          {"continuous", o.continuous},
          {"report_every", o.report_every},
          {"header_names", header_names(o.headers)},
          {"slos", slo_expressions(o)},
          {"workload", o.workload},
          {"widget_versions", o.widget_versions},
          {"widget_switch_at", o.widget_switch_at < 0 ? json() : json(o.widget_switch_at)},
          {"widget_switch_versions", o.widget_switch_versions},
          {"widget_skus", o.widget_skus},
          {"widget_seed", o.widget_seed},
          {"slo",
           {{"max_lost", o.slo.max_lost},
            {"max_duplicated", o.slo.max_duplicated},
            {"max_mismatched", o.slo.max_mismatched},
            {"max_functional_downtime", o.slo.max_functional_downtime < 0 ? json() : json(o.slo.max_functional_downtime)},
            {"max_p99", o.slo.max_p99 < 0 ? json() : json(o.slo.max_p99)}}}};
}

json timeline_json(const simulation& sim) {
  const auto& tl = sim.timeline();
  double w = tl.width();
  const auto& schedule = sim.driver().schedule();
  auto batch = static_cast<double>(sim.options().batch);
  size_t bins = std::max(tl.bins().size(), static_cast<size_t>(std::ceil(schedule.duration() / w)));
  const sim_timeline::bin empty;
  auto out = json::array();
  for (size_t i = 0; i < bins; ++i) {
    const auto& b = i < tl.bins().size() ? tl.bins()[i] : empty;
    double target = (schedule.expected((i + 1) * w) - schedule.expected(i * w)) * batch / w;
    out.push_back({{"t", i * w},
                   {"target_rate", target},
                   {"sent_rate", b.sent / w},
                   {"accepted_rate", b.accepted / w},
                   {"errors", b.errors},
                   {"p99", b.latency ? json(b.latency->percentile(99)) : json()}});
  }
  return {{"bin_seconds", w}, {"bins", out}};
}

json downtime_json(const simulation& sim, double end) {
  auto out = json::array();
  for (const auto& t : sim.downtime().totals(end))
    out.push_back({{"target", t.target}, {"reason", to_string(t.reason)}, {"seconds", t.seconds},
                   {"windows", t.windows}});
  return out;
}

json windows_json(const simulation& sim, double end) {
  auto out = json::array();
  for (const auto& w : sim.downtime().windows(end))
    out.push_back(window_json(sim, w));
  return out;
}

json requests_json(const simulation& sim) {
  auto out = json::array();
  for (const auto& [k, n] : sim.requests())
    out.push_back({{"target", std::get<0>(k)}, {"kind", std::get<1>(k)}, {"result", std::get<2>(k)}, {"count", n}});
  return out;
}

// Per served version (version_breakdown.hpp): its share of the requests, its
// errors, the events it accepted, and per kind and per target the same split.
json versions_json(const simulation& sim) {
  uint64_t all = 0;
  for (const auto& [version, f] : sim.versions().by_version())
    all += f.total;
  auto ratio = [](uint64_t n, uint64_t of) { return of ? double(n) / double(of) : 0.0; };
  auto out = json::array();
  for (const auto& [version, f] : sim.versions().by_version()) {
    json kinds = json::object(), targets = json::object();
    for (const auto& [k, n] : f.requests) {
      const auto& [target, kind, result] = k;
      bool error = result != "ok";
      for (json* split : {&kinds[kind], &targets[target]}) {
        auto& s = *split;
        if (s.is_null())
          s = {{"requests", 0}, {"errors", 0}};
        s["requests"] = s["requests"].get<uint64_t>() + n;
        s["errors"] = s["errors"].get<uint64_t>() + (error ? n : 0);
      }
    }
    for (const auto& [kind, latency] : f.latency)
      kinds[kind]["latency"] = summary_json(latency.summary());
    out.push_back({{"version", version},
                   {"requests", f.total},
                   {"share", ratio(f.total, all)},
                   {"errors", f.errors},
                   {"error_ratio", ratio(f.errors, f.total)},
                   {"events_accepted", f.events_accepted},
                   {"kinds", kinds},
                   {"targets", targets}});
  }
  return out;
}

// The widget workload's end check (simulation.hpp); {"workload": "events"} otherwise.
json widget_summary_json(const simulation& sim) {
  auto* widgets = sim.events().widgets();
  if (!widgets)
    return {{"workload", "events"}};
  return {{"workload", "widgets"},
          {"cells", widgets->accepted_cells().size()},
          {"mismatched", sim.summary_mismatched()},
          {"difference", sim.summary_difference()},
          {"exact_at", sim.summary_exact_at()}};
}

}  // namespace

json make_sim_report(const simulation& sim, const sim_verdict& verdict) {
  const auto& c = sim.verdicts().counts();
  double end = sim.finished_at();
  double load = sim.load_end();
  auto per_second = [&](double n) { return load > 0 ? n / load : 0.0; };
  double peak = 0;
  auto timeline = timeline_json(sim);
  for (const auto& b : timeline["bins"])
    peak = std::max(peak, b["target_rate"].get<double>());
  const auto& ledger = sim.verdicts();
  json report = header(sim, "final");
  report.update(json{
      {"started_at", iso_time(sim.wall_start(), 0)},
      {"ended_at", iso_time(sim.wall_start(), end)},
      {"elapsed_seconds", end},
      {"load_seconds", load},
      {"stopped_early", sim.stopped()},
      {"verdict", {{"ok", verdict.ok}, {"violations", verdict.violations}}},
      {"scheduled", c.scheduled},
      {"sent", c.sent},
      {"accepted", c.accepted},
      {"rejected", c.rejected},
      {"dropped", c.dropped},
      {"overflow", sim.driver().overflow()},
      {"processed", c.processed},
      {"failed", c.failed},
      {"lost", c.lost},
      {"lost_detail", {{"never_found", c.lost_never_found}, {"stuck", c.lost_stuck}}},
      {"unverified", c.unverified},
      {"duplicated", c.duplicated},
      {"mismatched", c.mismatched},
      {"late", c.late},
      {"rejected_by_cause", sim.rejected_by_cause()},
      {"dropped_by_cause", sim.dropped_by_cause()},
      {"rate",
       {{"shape", sim.options().shape},
        {"target_mean", per_second(double(sim.driver().schedule().total()) * sim.options().batch)},
        {"target_peak", peak},
        {"sent_mean", per_second(double(c.sent))},
        {"accepted_mean", per_second(double(c.accepted))}}},
      {"latency", latency_json(sim.ingest_latency().summary(), sim.visible_latency().summary())},
      {"answers_by_status", statuses_json(sim)},
      {"functional_downtime_seconds", sim.downtime().union_seconds(downtime_reason::functional, end)},
      {"health_downtime_seconds", sim.downtime().union_seconds(downtime_reason::health, end)},
      {"summary_downtime_seconds", sim.downtime().union_seconds(downtime_reason::summary, end)},
      {"summary", widget_summary_json(sim)},
      {"downtime", downtime_json(sim, end)},
      {"windows", windows_json(sim, end)},
      {"requests", requests_json(sim)},
      {"versions", versions_json(sim)},
      {"timeline", timeline},
      {"samples",
       {{"lost", ids(sim, ledger.lost_seqs())},
        {"mismatched", ids(sim, ledger.mismatched_seqs())},
        {"duplicated", ids(sim, ledger.duplicated_seqs())}}},
      {"config", config_json(sim)},
  });
  return report;
}

json make_sim_interval(const simulation& sim, double now) {
  const auto& i = sim.current_interval();
  const auto& totals = sim.verdicts().counts();
  auto downtime = json::array();
  for (const auto& t : sim.downtime().totals(now)) {
    auto before = i.downtime_at_start.find({t.target, t.reason});
    double earlier = before == i.downtime_at_start.end() ? 0 : before->second;
    downtime.push_back({{"target", t.target}, {"reason", to_string(t.reason)},
                        {"seconds", std::max(0.0, t.seconds - earlier)}, {"total_seconds", t.seconds},
                        {"open", t.open}});
  }
  json line = header(sim, "interval");
  line.update(json{
      {"start", iso_time(sim.wall_start(), i.start)},
      {"end", iso_time(sim.wall_start(), now)},
      {"start_offset", i.start},
      {"end_offset", now},
      {"pending", sim.verdicts().pending()},
      {"window",
       {{"events", counts_json(totals - i.counts_at_start)},
        {"latency", latency_json(summarize(i.ingest_latency), summarize(i.visible_latency))}}},
      {"totals",
       {{"events", counts_json(totals)},
        {"latency", latency_json(sim.ingest_latency().summary(), sim.visible_latency().summary())},
        {"functional_downtime_seconds", sim.downtime().union_seconds(downtime_reason::functional, now)},
        {"health_downtime_seconds", sim.downtime().union_seconds(downtime_reason::health, now)},
        {"answers_by_status", statuses_json(sim)}}},
      {"downtime", downtime},
  });
  return line;
}

json make_sim_window_line(const simulation& sim, const downtime_window& w) {
  json line = header(sim, "window");
  line.update(window_json(sim, w));
  return line;
}

std::string summarize_sim_report(const json& r) {
  auto ms = [](const json& v) { return v.get<double>() * 1000; };
  char line[512];
  std::string out;
  std::snprintf(line, sizeof line, "run %s: %.1f s of %s load, target %.1f ev/s, accepted %.1f ev/s%s\n",
                r["run_id"].get<std::string>().c_str(), r["load_seconds"].get<double>(),
                r["rate"]["shape"].get<std::string>().c_str(), r["rate"]["target_mean"].get<double>(),
                r["rate"]["accepted_mean"].get<double>(), r["stopped_early"].get<bool>() ? " (stopped early)" : "");
  out += line;
  std::snprintf(line, sizeof line,
                "events   sent %llu  accepted %llu  rejected %llu  dropped %llu  processed %llu  failed %llu\n"
                "         lost %llu  unverified %llu  duplicated %llu  mismatched %llu  late %llu\n",
                r["sent"].get<unsigned long long>(), r["accepted"].get<unsigned long long>(),
                r["rejected"].get<unsigned long long>(), r["dropped"].get<unsigned long long>(),
                r["processed"].get<unsigned long long>(), r["failed"].get<unsigned long long>(),
                r["lost"].get<unsigned long long>(), r.value("unverified", 0ULL), r["duplicated"].get<unsigned long long>(),
                r["mismatched"].get<unsigned long long>(), r["late"].get<unsigned long long>());
  out += line;
  for (const char* kind : {"ingest", "visible"}) {
    const auto& l = r["latency"][kind];
    std::snprintf(line, sizeof line,
                  "latency  %-7s min %.1f  p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.1f ms\n", kind,
                  ms(l["min"]), ms(l["p50"]), ms(l["p90"]), ms(l["p95"]), ms(l["p99"]), ms(l["p99_9"]),
                  ms(l["max"]));
    out += line;
  }
  std::snprintf(line, sizeof line, "downtime functional %.3f s  health %.3f s  summary %.3f s\n",
                r["functional_downtime_seconds"].get<double>(), r["health_downtime_seconds"].get<double>(),
                r["summary_downtime_seconds"].get<double>());
  out += line;
  if (r["summary"].value("workload", "") == "widgets") {
    std::snprintf(line, sizeof line, "summary  mismatched %llu cell(s) of %llu  exact since %.3f s%s%s\n",
                  r["summary"]["mismatched"].get<unsigned long long>(), r["summary"]["cells"].get<unsigned long long>(),
                  r["summary"]["exact_at"].get<double>(), r["summary"]["difference"].get<std::string>().empty() ? "" : "  first: ",
                  r["summary"]["difference"].get<std::string>().c_str());
    out += line;
  }
  for (const auto& v : r.value("versions", json::array())) {
    std::snprintf(line, sizeof line, "version  %-20s %5.1f%% of requests  errors %llu (%.1f%%)  accepted %llu event(s)\n",
                  v["version"].get<std::string>().c_str(), 100 * v["share"].get<double>(),
                  v["errors"].get<unsigned long long>(), 100 * v["error_ratio"].get<double>(),
                  v["events_accepted"].get<unsigned long long>());
    out += line;
  }
  for (const auto& d : r["downtime"]) {
    std::snprintf(line, sizeof line, "         %-20s %-10s %8.3f s  %llu window(s)\n",
                  d["target"].get<std::string>().c_str(), d["reason"].get<std::string>().c_str(),
                  d["seconds"].get<double>(), d["windows"].get<unsigned long long>());
    out += line;
  }
  out += r["verdict"]["ok"].get<bool>() ? "verdict  SLOs met\n" : "verdict  SLOs VIOLATED\n";
  for (const auto& v : r["verdict"]["violations"])
    out += "         " + v.get<std::string>() + "\n";
  return out;
}

}  // namespace eventbed
