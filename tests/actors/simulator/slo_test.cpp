#include "actors/simulator/slo.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/simulator/simulation.hpp"

namespace eventbed {
namespace {

TEST(Slo, ExpressionsParseWithUnits) {
  slo_expression e;
  ASSERT_EQ(parse_slo("ingest.p99<5ms", e), "");
  EXPECT_EQ(e.metric, "ingest.p99");
  EXPECT_EQ(e.op, "<");
  EXPECT_DOUBLE_EQ(e.limit, 0.005);
  ASSERT_EQ(parse_slo(" lost == 0 ", e), "");
  EXPECT_EQ(e.op, "==");
  ASSERT_EQ(parse_slo("functional_downtime<=1.5s", e), "");
  EXPECT_DOUBLE_EQ(e.limit, 1.5);
  ASSERT_EQ(parse_slo("visible.p99_9<2", e), "");
  EXPECT_DOUBLE_EQ(e.limit, 2);
}

TEST(Slo, BadExpressionsSayWhatIsWrong) {
  slo_expression e;
  EXPECT_NE(parse_slo("latency<5ms", e).find("unknown metric"), std::string::npos);
  EXPECT_NE(parse_slo("lost=0", e).find("operator"), std::string::npos);
  EXPECT_NE(parse_slo("lost<3ms", e).find("count"), std::string::npos);
  EXPECT_NE(parse_slo("ingest.p99<5us", e).find("units"), std::string::npos);
  EXPECT_NE(parse_slo("lost<", e).find("number"), std::string::npos);
  EXPECT_NE(parse_slo("<5", e).find("METRIC OP VALUE"), std::string::npos);
}

TEST(Slo, ResolveRejectsABadExpression) {
  simulate_options o;
  o.ingest = {"http://127.0.0.1:9"};
  o.slo_expressions = {"ingest.p99<fast"};
  sim_targets t;
  EXPECT_NE(resolve_targets(o, t).find("--slo ingest.p99<fast"), std::string::npos);
}

TEST(Slo, TheOldFlagsAreShorthands) {
  simulate_options o;
  o.slo.max_lost = 2;
  o.slo.max_p99 = 0.25;
  o.slo_expressions = {"health_downtime<1s"};
  EXPECT_EQ(slo_expressions(o), (std::vector<std::string>{"lost<=2", "duplicated<=0", "mismatched<=0",
                                                          "ingest.p99<=0.25s", "health_downtime<1s"}));
}

TEST(Slo, TheWidgetWorkloadBoundsTheSummaryLikeTheEvents) {
  simulate_options o;
  o.workload = "widgets";
  o.slo.max_mismatched = 3;
  auto e = slo_expressions(o);
  EXPECT_NE(std::find(e.begin(), e.end(), "summary_mismatched<=3"), e.end());
  slo_expression parsed;
  EXPECT_EQ(parse_slo("summary_mismatched==0", parsed), "");
}

TEST(Slo, VerdictChecksEveryExpression) {
  simulate_options o;
  o.ingest = {"http://127.0.0.1:9"};
  o.load.rate = 10;
  o.load.duration = 0.1;
  o.run_id = "s1";
  o.slo_expressions = {"ingest.p99<5ms", "accepted>=1", "ingest.max!=0"};
  sim_targets t;
  ASSERT_EQ(resolve_targets(o, t), "");
  simulation sim(o, t, std::chrono::system_clock::now());
  auto sends = sim.take_ingest(0, 1);
  ASSERT_EQ(sends.size(), 1u);
  sim_http_response ok;
  ok.status = 202;
  ok.body = nlohmann::json{{"id", "sim-s1-0"}, {"duplicate", false}}.dump();
  sim.ingest_done(sends[0], ok, 0, 0.020);  // 20 ms
  sim.finish(10);
  auto v = check_slos(o, sim);
  EXPECT_FALSE(v.ok);
  // lost<=0 breaks too: the event was never seen processed.
  ASSERT_EQ(v.violations.size(), 2u) << nlohmann::json(v.violations).dump();
  EXPECT_EQ(v.violations[0], "lost 1 > 0");
  EXPECT_EQ(v.violations[1].rfind("ingest.p99 0.02", 0), 0u) << v.violations[1];
  EXPECT_NE(v.violations[1].find(">= 0.005 s"), std::string::npos) << v.violations[1];
}

TEST(Slo, ALatencyLimitWithNoSampleIsBroken) {
  simulate_options o;
  o.ingest = {"http://127.0.0.1:9"};
  o.load.rate = 10;
  o.load.duration = 0.1;
  o.slo_expressions = {"ingest.p99<1s"};
  sim_targets t;
  ASSERT_EQ(resolve_targets(o, t), "");
  simulation sim(o, t, std::chrono::system_clock::now());
  auto sends = sim.take_ingest(0, 1);
  sim_http_response down;
  down.status = 503;
  sim.ingest_done(sends[0], down, 0, 0.001);
  sim.finish(10);
  auto v = check_slos(o, sim);
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_NE(v.violations[0].find("undefined"), std::string::npos);
}

}  // namespace
}  // namespace eventbed
