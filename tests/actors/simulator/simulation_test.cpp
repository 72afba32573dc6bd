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
  auto verdict = check_slos(sim.options().slo, sim);
  EXPECT_FALSE(verdict.ok);
  ASSERT_EQ(verdict.violations.size(), 1u);
  EXPECT_EQ(verdict.violations[0], "lost 1 > 0");
}

TEST(Simulation, ReportCarriesTheDocumentedFields) {
  auto sim = make_sim(1, 1);
  auto s = sim.take_ingest(0, 1);
  sim.ingest_done(s[0], reply(202, {{"id", "sim-t1-0"}, {"duplicate", false}}), 0, 0.001);
  sim.probe_done(0, reply(503), 0.01, 0.02);
  sim.finish(0.5);
  auto r = make_sim_report(sim, check_slos(sim.options().slo, sim));
  for (const char* key : {"accepted", "processed", "lost", "duplicated", "mismatched", "downtime", "windows",
                          "latency", "rate", "verdict", "timeline", "sent", "rejected", "failed"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_EQ(r["lost"], 1);
  EXPECT_EQ(r["samples"]["lost"], json::array({"sim-t1-0"}));
  ASSERT_EQ(r["windows"].size(), 1u);
  EXPECT_EQ(r["windows"][0]["target"], "eventbed");
  EXPECT_EQ(r["windows"][0]["reason"], "health");
  EXPECT_TRUE(r["windows"][0]["open_at_end"].get<bool>());
  EXPECT_NEAR(r["health_downtime_seconds"].get<double>(), 0.49, 1e-9);
  bool found = false;
  for (const auto& d : r["downtime"])
    if (d["target"] == "eventbed" && d["reason"] == "health")
      found = std::abs(d["seconds"].get<double>() - 0.49) < 1e-9;
  EXPECT_TRUE(found) << r["downtime"].dump();
  EXPECT_FALSE(r["verdict"]["ok"].get<bool>());
  EXPECT_NE(summarize_sim_report(r).find("lost 1"), std::string::npos);
}

}  // namespace
}  // namespace eventbed
