#include "actors/simulator/metrics.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

sim_metrics_snapshot snapshot_with_downtime(double seconds, bool open) {
  sim_metrics_snapshot s;
  s.downtime.push_back({"ingest", "functional", seconds, open});
  s.requests.push_back({"ingest", "ingest", "1.0", "http_503", 7});
  s.ingest_latency = {{0.01, 0.1}, {3, 1, 1}, 1.5, 5};
  s.counts.accepted = 4;
  s.counts.processed = 3;
  return s;
}

bool contains(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(SimMetrics, RendersTheDocumentedFamilies) {
  auto text = render_sim_metrics(snapshot_with_downtime(2.5, true));
  EXPECT_TRUE(contains(text, "# TYPE sim_downtime_seconds_total counter"));
  EXPECT_TRUE(contains(text, "sim_downtime_seconds_total{target_service=\"ingest\",reason=\"functional\"} 2.5"));
  EXPECT_TRUE(contains(text, "sim_downtime_open{target_service=\"ingest\",reason=\"functional\"} 1"));
  EXPECT_TRUE(contains(text, "sim_requests_total{target_service=\"ingest\",kind=\"ingest\",version=\"1.0\",result=\"http_503\"} 7"));
  // Buckets are cumulative and end with +Inf = count.
  EXPECT_TRUE(contains(text, "sim_ingest_latency_seconds_bucket{le=\"0.01\"} 3"));
  EXPECT_TRUE(contains(text, "sim_ingest_latency_seconds_bucket{le=\"0.1\"} 4"));
  EXPECT_TRUE(contains(text, "sim_ingest_latency_seconds_bucket{le=\"+Inf\"} 5"));
  EXPECT_TRUE(contains(text, "sim_ingest_latency_seconds_sum 1.5"));
  // Stages and outcomes are separate families: a sum over one of them means something.
  EXPECT_TRUE(contains(text, "# TYPE sim_events_accepted_total counter"));
  EXPECT_TRUE(contains(text, "sim_events_accepted_total 4"));
  EXPECT_TRUE(contains(text, "sim_events_outcome_total{outcome=\"processed\"} 3"));
  EXPECT_TRUE(contains(text, "sim_events_outcome_total{outcome=\"lost\"} 0"));
  EXPECT_TRUE(contains(text, "sim_events_flagged_total{flag=\"late\"} 0"));
  EXPECT_EQ(text.find("sim_events_total"), std::string::npos);
}

TEST(SimMetrics, LabelValuesAreEscaped) {
  sim_metrics_snapshot s;
  s.downtime.push_back({"a\"b\\c", "health", 0, false});
  EXPECT_NE(render_sim_metrics(s).find("target_service=\"a\\\"b\\\\c\""), std::string::npos);
}

TEST(SimMetrics, DowntimeCounterNeverGoesBackwards) {
  // Read while open, a window counts up to "now"; when it closes a moment
  // earlier, the published counter must hold its value.
  sim_live_metrics live;
  live.publish(snapshot_with_downtime(2.50, true));
  live.publish(snapshot_with_downtime(2.48, false));
  EXPECT_DOUBLE_EQ(live.latest().downtime[0].seconds, 2.50);
  live.publish(snapshot_with_downtime(3.0, true));
  EXPECT_DOUBLE_EQ(live.latest().downtime[0].seconds, 3.0);
  EXPECT_NE(live.render().find("reason=\"functional\"} 3\n"), std::string::npos);
}

}  // namespace
}  // namespace eventbed
