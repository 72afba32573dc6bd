// The simulator's figures split by served version: the breakdown itself, a
// run where a stable and a canary build answer side by side, and what the
// report and the live metrics make of it.
#include "actors/simulator/version_breakdown.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/simulator/metrics.hpp"
#include "actors/simulator/report.hpp"
#include "actors/simulator/simulation.hpp"
#include "actors/simulator/slo.hpp"

namespace eventbed {
namespace {

using json = nlohmann::json;

TEST(VersionBreakdown, CountsRequestsErrorsLatencyAndEventsPerServedVersion) {
  version_breakdown b;
  b.request("1.0", "ingest", "ingest", "ok", 0.002);
  b.request("1.0", "ingest", "ingest", "ok", 0.004);
  b.request("1.1+canary", "ingest", "ingest", "http_503", 0.001);
  b.request("1.1+canary", "query", "query", "ok", 0.003);
  b.request("", "ingest", "ingest", "timeout", 2);
  b.accepted("1.0", 20);
  const auto& v = b.by_version();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v.at("1.0").total, 2u);
  EXPECT_EQ(v.at("1.0").errors, 0u);
  EXPECT_EQ(v.at("1.0").events_accepted, 20u);
  EXPECT_EQ(v.at("1.0").latency.at("ingest").count(), 2u);
  EXPECT_DOUBLE_EQ(v.at("1.0").latency.at("ingest").summary().max, 0.004);
  EXPECT_EQ(v.at("1.1+canary").errors, 1u);
  EXPECT_EQ(v.at("1.1+canary").requests.at({"ingest", "ingest", "http_503"}), 1u);
  EXPECT_EQ(v.at("1.1+canary").events_accepted, 0u);
  EXPECT_EQ(v.at(unknown_version).errors, 1u) << "no answer: no version";
  auto all = b.requests();
  EXPECT_EQ(all.at({"ingest", "ingest", "ok"}), 2u);
  EXPECT_EQ(all.at({"ingest", "ingest", "timeout"}), 1u);
}

sim_http_response answer(long status, const std::string& served_by, const json& body = json()) {
  sim_http_response r;
  r.status = status;
  r.served_by = served_by;
  r.body = body.is_null() ? "" : body.dump();
  return r;
}

// Ten requests, one every 100 ms: the stable build answers the even ones, a
// canary the odd ones, and the canary refuses every other of its requests.
TEST(VersionBreakdown, AStableAndACanaryAnsweringSideBySideAreToldApart) {
  simulate_options o;
  o.ingest = {"http://127.0.0.1:9/"};
  o.probes = {"eventbed=http://127.0.0.1:9/readyz"};
  o.load.rate = 10;
  o.load.duration = 1;
  o.run_id = "v1";
  sim_targets t;
  ASSERT_EQ(resolve_targets(o, t), "");
  simulation sim(o, t, std::chrono::system_clock::now());
  int canary = 0;
  for (int i = 0; i < 10; ++i) {
    double now = i * 0.1 + 0.0001;
    auto sends = sim.take_ingest(now, 1);
    ASSERT_EQ(sends.size(), 1u) << i;
    auto id = sim.events().id(sends[0].job.first);
    if (i % 2 == 0)
      sim.ingest_done(sends[0], answer(202, "1.0", {{"id", id}, {"duplicate", false}}), now, now + 0.002);
    else if (canary++ % 2 == 0)
      sim.ingest_done(sends[0], answer(503, "1.1+canary", {{"error", "injected_fault"}}), now, now + 0.010);
    else
      sim.ingest_done(sends[0], answer(202, "1.1+canary", {{"id", id}, {"duplicate", false}}), now, now + 0.010);
  }
  sim.probe_done(0, answer(200, "1.0"), 0.5, 0.501);
  const auto& v = sim.versions().by_version();
  EXPECT_EQ(v.at("1.0").requests.at({"ingest", "ingest", "ok"}), 5u);
  EXPECT_EQ(v.at("1.0").requests.at({"eventbed", "probe", "ok"}), 1u);
  EXPECT_EQ(v.at("1.1+canary").requests.at({"ingest", "ingest", "http_503"}), 3u);
  EXPECT_EQ(v.at("1.1+canary").events_accepted, 2u);
  EXPECT_EQ(v.at("1.0").events_accepted, 5u);

  sim.finish(20);
  auto r = make_sim_report(sim, check_slos(sim.options(), sim));
  ASSERT_EQ(r["versions"].size(), 2u) << r["versions"].dump();
  const auto& stable = r["versions"][0];
  const auto& bad = r["versions"][1];
  EXPECT_EQ(stable["version"], "1.0");
  EXPECT_EQ(stable["requests"], 6);
  EXPECT_EQ(stable["errors"], 0);
  EXPECT_EQ(bad["version"], "1.1+canary");
  EXPECT_EQ(bad["requests"], 5);
  EXPECT_DOUBLE_EQ(bad["share"].get<double>(), 5.0 / 11);
  EXPECT_EQ(bad["errors"], 3);
  EXPECT_DOUBLE_EQ(bad["error_ratio"].get<double>(), 0.6);
  EXPECT_EQ(bad["events_accepted"], 2);
  EXPECT_EQ(bad["targets"]["ingest"]["errors"], 3);
  EXPECT_NEAR(bad["kinds"]["ingest"]["latency"]["p50"].get<double>(), 0.010, 0.0001);
  EXPECT_NEAR(stable["kinds"]["ingest"]["latency"]["p50"].get<double>(), 0.002, 0.00002);
  EXPECT_NE(summarize_sim_report(r).find("1.1+canary"), std::string::npos);

  auto text = render_sim_metrics(sim.snapshot(20));
  for (const char* line :
       {"sim_requests_total{target_service=\"ingest\",kind=\"ingest\",version=\"1.1+canary\",result=\"http_503\"} 3",
        "sim_requests_total{target_service=\"ingest\",kind=\"ingest\",version=\"1.0\",result=\"ok\"} 5",
        "sim_request_duration_seconds_count{kind=\"ingest\",version=\"1.1+canary\"} 5",
        "sim_request_duration_seconds_bucket{kind=\"ingest\",version=\"1.0\",le=\"0.0025\"} 5",
        "sim_version_events_accepted_total{version=\"1.0\"} 5",
        "sim_version_events_accepted_total{version=\"1.1+canary\"} 2"})
    EXPECT_NE(text.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << text;
}

}  // namespace
}  // namespace eventbed
