// The simulator's decisions without a network: answers are made up, times are given.
#include "actors/simulator/simulation.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/simulator/report.hpp"
#include "actors/simulator/slo.hpp"

namespace eventbed {
namespace {

using json = nlohmann::json;

sim_http_response reply(long status, const json& body = json(), double retry_after = -1) {
  sim_http_response r;
  r.status = status;
  r.body = body.is_null() ? "" : body.dump();
  r.retry_after = retry_after;
  return r;
}

sim_http_response timed_out() {
  sim_http_response r;
  r.failed = sim_http_response::failure::timeout;
  return r;
}

simulation make_sim(simulate_options o) {
  sim_targets t;
  EXPECT_EQ(resolve_targets(o, t), "");
  return simulation(o, t, std::chrono::system_clock::now());
}

simulate_options continuous_options(double rate) {
  simulate_options o;
  o.ingest = {"http://127.0.0.1:9/"};
  o.probes = {"eventbed=http://127.0.0.1:9/readyz"};
  o.load.rate = rate;
  o.load.duration = 0;
  o.run_id = "c1";
  return o;
}

// `requests` requests of `batch` events, one every 100 ms.
simulation make_sim(uint32_t batch, uint64_t requests, uint32_t retries = 0, uint64_t max_backlog = 100) {
  simulate_options o;
  o.ingest = {"http://127.0.0.1:9/"};
  o.probes = {"eventbed=http://127.0.0.1:9/readyz"};
  o.load.rate = 10.0 * batch;
  o.load.duration = requests / 10.0;
  o.batch = batch;
  o.retries = retries;
  o.max_backlog = max_backlog;
  o.run_id = "t1";
  o.deadline = 5;
  o.grace = 10;
  sim_targets t;
  EXPECT_EQ(resolve_targets(o, t), "");
  return simulation(o, t, std::chrono::system_clock::now());
}


// Health downtime of the probe target within one interval line.
double health_in(const json& line) {
  for (const auto& d : line["downtime"])
    if (d["target"] == "eventbed" && d["reason"] == "health")
      return d["seconds"].get<double>();
  return -1;
}

double downtime_of(const simulation& sim, const std::string& target, downtime_reason reason, double now) {
  for (const auto& t : sim.downtime().totals(now))
    if (t.target == target && t.reason == reason)
      return t.seconds;
  return -1;
}

TEST(Simulation, BatchesBecomeArraysAndEveryEventIsVerified) {
  auto sim = make_sim(3, 2);
  auto sends = sim.take_ingest(0, 16);
  ASSERT_EQ(sends.size(), 1u);  // the second request is due at 0.1
  EXPECT_EQ(sends[0].request.url, "http://127.0.0.1:9/ingest");
  auto body = json::parse(sends[0].request.body);
  ASSERT_TRUE(body.is_array());
  ASSERT_EQ(body.size(), 3u);
  EXPECT_EQ(body[2]["id"], "sim-t1-2");

  sim.ingest_done(sends[0], reply(202, {{"ids", {"sim-t1-0", "sim-t1-1", "sim-t1-2"}}, {"duplicates", 0}}), 0, 0.002);
  EXPECT_EQ(sim.verdicts().counts().accepted, 3u);
  auto polls = sim.take_polls(0.02, 8);
  ASSERT_EQ(polls.size(), 3u);
  EXPECT_EQ(polls[0].request.url, "http://127.0.0.1:9/events/sim-t1-0");

  for (const auto& p : polls) {
    auto record = sim.events().event(p.seq);
    record["status"] = "processed";
    sim.poll_done(p, reply(200, record), 0.02, 0.021);
  }
  EXPECT_EQ(sim.verdicts().counts().processed, 3u);
  EXPECT_EQ(sim.verdicts().counts().mismatched, 0u);
  EXPECT_EQ(sim.visible_latency().count(), 3u);
  EXPECT_EQ(sim.ingest_latency().count(), 1u);  // per request, from its scheduled time
}

TEST(Simulation, ContentThatDiffersIsMismatched) {
  auto sim = make_sim(1, 1);
  auto s = sim.take_ingest(0, 1);
  sim.ingest_done(s[0], reply(202, {{"id", "sim-t1-0"}, {"duplicate", false}}), 0, 0.001);
  auto p = sim.take_polls(1, 1);
  auto record = sim.events().event(0);
  record["status"] = "processed";
  record["data"]["order"]["quantity"] = 99;
  sim.poll_done(p[0], reply(200, record), 1, 1.001);
  EXPECT_EQ(sim.verdicts().counts().mismatched, 1u);
  EXPECT_EQ(sim.verdicts().counts().processed, 1u);
}

TEST(Simulation, ReplyNamingAnotherIdIsMismatched) {
  auto sim = make_sim(1, 1);
  auto s = sim.take_ingest(0, 1);
  sim.ingest_done(s[0], reply(202, {{"id", "somebody-else"}, {"duplicate", false}}), 0, 0.001);
  EXPECT_EQ(sim.verdicts().counts().mismatched, 1u);
}

TEST(Simulation, DuplicateOnAFirstAttemptIsADuplicate) {
  auto sim = make_sim(1, 1);
  auto s = sim.take_ingest(0, 1);
  sim.ingest_done(s[0], reply(202, {{"id", "sim-t1-0"}, {"duplicate", true}}), 0, 0.001);
  EXPECT_EQ(sim.verdicts().counts().duplicated, 1u);
}

TEST(Simulation, RetryHonoursRetryAfterAndMayFindItsEventStored) {
  auto sim = make_sim(1, 1, 1);
  auto s = sim.take_ingest(0, 1);
  sim.ingest_done(s[0], reply(503, {{"error", "overloaded"}}, 0.5), 0, 0.01);
  EXPECT_TRUE(sim.take_ingest(0.4, 1).empty());
  auto again = sim.take_ingest(0.52, 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].job.attempt, 2u);
  EXPECT_DOUBLE_EQ(again[0].job.scheduled, 0);  // latency still counts from the first schedule
  // The first attempt's write may have landed: a duplicate answer to a retry is expected.
  sim.ingest_done(again[0], reply(202, {{"id", "sim-t1-0"}, {"duplicate", true}}), 0.52, 0.53);
  auto c = sim.verdicts().counts();
  EXPECT_EQ(c.accepted, 1u);
  EXPECT_EQ(c.duplicated, 0u);
  EXPECT_EQ(c.sent, 1u);
  EXPECT_DOUBLE_EQ(sim.ingest_latency().percentile(100), 0.53);
  EXPECT_NEAR(downtime_of(sim, "ingest", downtime_reason::functional, 1), 0.53, 1e-12);
}

TEST(Simulation, BadRequestIsRejectedWithoutRetryAndOpensAWindow) {
  auto sim = make_sim(1, 2, 3);
  auto s = sim.take_ingest(0, 1);
  sim.ingest_done(s[0], reply(400, {{"error", "bad_json"}}), 0.001, 0.002);
  EXPECT_EQ(sim.verdicts().counts().rejected, 1u);
  EXPECT_EQ(sim.rejected_by_cause().at("http_400"), 1u);
  auto next = sim.take_ingest(0.1, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].job.first, 1u);  // not a retry of event 0
  sim.ingest_done(next[0], reply(202, {{"id", "sim-t1-1"}, {"duplicate", false}}), 0.1, 0.101);
  EXPECT_NEAR(downtime_of(sim, "ingest", downtime_reason::functional, 1), 0.1, 1e-12);  // [0.001, 0.101]
}

TEST(Simulation, FullBacklogDropsArrivalsAndCountsThem) {
  auto sim = make_sim(1, 10, 0, 2);
  EXPECT_TRUE(sim.take_ingest(0.95, 0).empty());  // no free connection: 10 due, 2 fit
  sim.finish(1);
  auto c = sim.verdicts().counts();
  EXPECT_EQ(c.dropped, 10u);  // 8 at once, 2 still waiting when the run ended
  EXPECT_EQ(sim.dropped_by_cause().at("backlog_full"), 8u);
  EXPECT_EQ(sim.dropped_by_cause().at("run_over"), 2u);
  EXPECT_EQ(sim.driver().overflow(), 2u);
}

TEST(Simulation, TimeoutsDuringAStallAreOneWindowFromTheFirstSend) {
  auto sim = make_sim(1, 30);
  std::vector<simulation::ingest_send> stalled;
  for (double t = 1.0; t < 2.0; t += 0.1)
    for (auto& s : sim.take_ingest(t, 16))
      stalled.push_back(s);
  auto before = sim.take_ingest(0, 0);  // nothing new
  EXPECT_TRUE(before.empty());
  // Everything sent in [0, 2) times out one second later; the first send after the stall succeeds.
  for (const auto& s : stalled)
    sim.ingest_done(s, timed_out(), s.job.scheduled, s.job.scheduled + 1);
  auto after = sim.take_ingest(2.0, 16);
  ASSERT_FALSE(after.empty());
  sim.ingest_done(after[0], reply(202, {{"id", sim.events().id(after[0].job.first)}, {"duplicate", false}}), 2.0,
                  2.003);
  auto windows = sim.downtime().windows(5);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_DOUBLE_EQ(windows[0].start, 0);
  EXPECT_DOUBLE_EQ(windows[0].end, 2.003);
  EXPECT_EQ(windows[0].cause, "timeout");
}

TEST(Simulation, ProbesMeasureHealth) {
  auto sim = make_sim(1, 1);
  EXPECT_EQ(sim.probe_request(0).url, "http://127.0.0.1:9/readyz");
  sim.probe_done(0, reply(200), 0, 0.001);
  sim.probe_done(0, reply(503), 0.2, 0.201);
  sim.probe_done(0, timed_out(), 0.4, 0.9);
  sim.probe_done(0, reply(200), 1.0, 1.002);
  EXPECT_NEAR(downtime_of(sim, "eventbed", downtime_reason::health, 2), 0.802, 1e-12);
  EXPECT_EQ(sim.downtime().windows(2)[0].cause, "http_503");
}

TEST(Simulation, DoneWaitsForVerificationThenGivesUp) {
  auto sim = make_sim(1, 1);
  auto s = sim.take_ingest(0, 1);
  EXPECT_FALSE(sim.done(0.05, 1, 0));  // in flight
  sim.ingest_done(s[0], reply(202, {{"id", "sim-t1-0"}, {"duplicate", false}}), 0, 0.001);
  EXPECT_FALSE(sim.done(0.2, 0, 0));  // accepted, not yet seen
  EXPECT_FALSE(sim.done(10.0, 0, 0));
  EXPECT_TRUE(sim.done(10.1, 0, 0));  // load end (0.1) + grace (10)
  sim.finish(10.1);
  EXPECT_EQ(sim.verdicts().counts().lost, 1u);
  auto verdict = check_slos(sim.options(), sim);
  EXPECT_FALSE(verdict.ok);
  ASSERT_EQ(verdict.violations.size(), 1u);
  EXPECT_EQ(verdict.violations[0], "lost 1 > 0");
}

TEST(Simulation, ReportCarriesTheDocumentedFields) {
  auto sim = make_sim(1, 1);
  auto s = sim.take_ingest(0, 1);
  sim.ingest_done(s[0], reply(202, {{"id", "sim-t1-0"}, {"duplicate", false}}), 0, 0.001);
  sim.probe_done(0, reply(503), 0.01, 0.02);
  sim.finish(5.5);  // after the event's deadline: lost, not unverified
  auto r = make_sim_report(sim, check_slos(sim.options(), sim));
  for (const char* key : {"accepted", "processed", "lost", "duplicated", "mismatched", "downtime", "windows",
                          "latency", "rate", "verdict", "timeline", "sent", "rejected", "failed", "unverified",
                          "answers_by_status", "schema_version", "tool"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_EQ(r["schema_version"], sim_report_schema_version);
  EXPECT_EQ(r["kind"], "final");
  EXPECT_EQ(r["answers_by_status"]["ingest"]["202"], 1);
  EXPECT_EQ(r["answers_by_status"]["probe"]["503"], 1);
  for (const char* f : {"min", "p50", "p90", "p95", "p99", "p99_9", "max", "mean"})
    EXPECT_TRUE(r["latency"]["ingest"].contains(f)) << f;
  EXPECT_LE(r["latency"]["relative_error"].get<double>(), 0.01);
  EXPECT_EQ(r["lost"], 1);
  EXPECT_EQ(r["samples"]["lost"], json::array({"sim-t1-0"}));
  ASSERT_EQ(r["windows"].size(), 1u);
  EXPECT_EQ(r["windows"][0]["target"], "eventbed");
  EXPECT_EQ(r["windows"][0]["reason"], "health");
  EXPECT_TRUE(r["windows"][0]["open_at_end"].get<bool>());
  EXPECT_NEAR(r["health_downtime_seconds"].get<double>(), 5.49, 1e-9);
  bool found = false;
  for (const auto& d : r["downtime"])
    if (d["target"] == "eventbed" && d["reason"] == "health")
      found = std::abs(d["seconds"].get<double>() - 5.49) < 1e-9;
  EXPECT_TRUE(found) << r["downtime"].dump();
  EXPECT_FALSE(r["verdict"]["ok"].get<bool>());
  EXPECT_NE(summarize_sim_report(r).find("lost 1"), std::string::npos);
}

// Drives 12 s of 2,000 events/s through 16 connections; every answer takes
// 1 ms, except that the target stalls during [5, 6): what is sent then is
// answered at 6. Times are given, so the run is exact and instant.
void run_with_a_stall(simulation& sim, double stall_from, double stall_to) {
  struct in_flight {
    double sent, done;
    simulation::ingest_send send;
  };
  std::vector<in_flight> flying;
  for (int step = 0; step <= 24010; ++step) {
    double now = step * 0.0005;
    for (auto it = flying.begin(); it != flying.end();) {
      if (it->done > now) {
        ++it;
        continue;
      }
      sim.ingest_done(it->send, reply(202, {{"id", sim.events().id(it->send.job.first)}, {"duplicate", false}}),
                      it->sent, it->done);
      it = flying.erase(it);
    }
    for (auto& s : sim.take_ingest(now, 16 - flying.size())) {
      bool stalled = now >= stall_from && now < stall_to;
      flying.push_back({now, stalled ? stall_to : now + 0.001, std::move(s)});
    }
  }
}

TEST(Simulation, AOneSecondStallAtTwoThousandPerSecondShowsInP99) {
  // Coordinated omission: the 16 connections hang in the stall, the 2,000
  // arrivals of that second wait in the backlog, and each is charged from its
  // *scheduled* time. That is 1 in 12 requests, so p99 sits near a full second;
  // timed from the send, only the 16 hung requests would be slow and p99 would
  // be 1 ms.
  auto o = continuous_options(2000);
  o.load.duration = 12;
  o.max_backlog = 100000;
  auto sim = make_sim(o);
  run_with_a_stall(sim, 5, 6);
  const auto& lat = sim.ingest_latency();
  EXPECT_EQ(lat.count(), 24000u);
  EXPECT_GT(lat.percentile(99), 0.85);
  EXPECT_LT(lat.percentile(50), 0.0015);
  EXPECT_GT(lat.summary().max, 0.99);
  EXPECT_GT(sim.driver().overflow(), 1900u);
}

TEST(Simulation, ContinuousRunHasNoEndButStopsWithinHalfASecond) {
  auto sim = make_sim(continuous_options(100));
  EXPECT_TRUE(sim.options().continuous);
  EXPECT_FALSE(sim.done(3600, 0, 0));  // an hour in, still running
  auto s = sim.take_ingest(3600, 1);
  ASSERT_FALSE(s.empty());
  sim.stop(3600);
  EXPECT_FALSE(sim.done(3600.2, 1, 0));  // a request in flight, within the budget
  EXPECT_TRUE(sim.done(3600 + simulation::continuous_stop_seconds, 1, 0));
  sim.finish(3600.5);
  // What was still in flight is not counted lost: nobody waited for it.
  EXPECT_EQ(sim.verdicts().counts().lost, 0u);
  EXPECT_TRUE(check_slos(sim.options(), sim).ok);
}

TEST(Simulation, DurationZeroNeedsTheConstantShape) {
  auto o = continuous_options(100);
  o.shape = "ramp";
  sim_targets t;
  EXPECT_NE(resolve_targets(o, t).find("--duration 0"), std::string::npos);
}

TEST(Simulation, AWindowAcrossAReportBoundaryIsReportedOnceWithItsFullLength) {
  auto sim = make_sim(continuous_options(10));
  sim.probe_done(0, reply(200), 0.1, 0.11);
  sim.probe_done(0, reply(503), 0.5, 0.51);  // the window opens at 0.5
  auto first = make_sim_interval(sim, 1.0);
  sim.next_interval(1.0);
  EXPECT_TRUE(sim.newly_closed_windows().empty());  // still open: nothing emitted yet
  sim.probe_done(0, reply(503), 1.5, 1.51);
  auto second = make_sim_interval(sim, 2.0);
  sim.next_interval(2.0);
  sim.probe_done(0, reply(200), 2.4, 2.5);  // closes at 2.5
  auto closed = sim.newly_closed_windows();
  ASSERT_EQ(closed.size(), 1u);
  auto line = make_sim_window_line(sim, closed[0]);
  EXPECT_EQ(line["kind"], "window");
  EXPECT_DOUBLE_EQ(line["start_offset"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(line["seconds"].get<double>(), 2.0);  // whole, not cut at 1 and 2
  EXPECT_TRUE(sim.newly_closed_windows().empty());        // and only once
  auto third = make_sim_interval(sim, 3.0);
  // Each interval carries its own share, and the shares add up to the window.
  EXPECT_NEAR(health_in(first), 0.5, 1e-9);
  EXPECT_NEAR(health_in(second), 1.0, 1e-9);
  EXPECT_NEAR(health_in(third), 0.5, 1e-9);
  EXPECT_NEAR(third["totals"]["health_downtime_seconds"].get<double>(), 2.0, 1e-9);
}

TEST(Simulation, IntervalLinesHoldTheWindowAndTheTotals) {
  auto sim = make_sim(continuous_options(10));
  auto answer = [&](double now) {
    for (auto& s : sim.take_ingest(now, 16))
      sim.ingest_done(s, reply(202, {{"id", sim.events().id(s.job.first)}, {"duplicate", false}}), now,
                      now + 0.002);
  };
  for (double t = 0; t < 1.0; t += 0.01)
    answer(t);
  sim.next_interval(1.0);
  for (double t = 1.0; t < 1.5; t += 0.01)
    answer(t);
  auto line = make_sim_interval(sim, 2.0);
  EXPECT_EQ(line["schema_version"], sim_report_schema_version);
  EXPECT_EQ(line["kind"], "interval");
  EXPECT_EQ(line["totals"]["events"]["accepted"], 15);
  EXPECT_EQ(line["window"]["events"]["accepted"], 5);
  EXPECT_EQ(line["window"]["latency"]["ingest"]["count"], 5);
  EXPECT_DOUBLE_EQ(line["start_offset"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(line["end_offset"].get<double>(), 2.0);
  EXPECT_FALSE(line.dump().find('\n') != std::string::npos);
}

}  // namespace
}  // namespace eventbed
