#include <gtest/gtest.h>

#include <thread>

#include "common/metrics.hpp"

using namespace eventbed::metrics;

namespace {

TEST(MetricsRegistryTest, RendersCountersAndGaugesWithHelpTypeAndLabels) {
  registry r;
  r.add_counter("jobs_total", "Jobs done.", {{"kind", "a"}}).inc(3);
  r.add_counter("jobs_total", "Jobs done.", {{"kind", "b\"x"}}).inc();
  r.add_gauge("depth", "Queue depth.").set(2.5);
  auto text = r.render();
  EXPECT_NE(text.find("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("jobs_total{kind=\"a\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("jobs_total{kind=\"b\\\"x\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("depth 2.5\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# TYPE jobs_total", text.find("# TYPE jobs_total") + 1), std::string::npos)
      << "a family is described once";
}

TEST(MetricsRegistryTest, SameNameAndLabelsIsTheSameSeries) {
  registry r;
  auto& a = r.add_counter("x_total", "X.", {{"k", "v"}});
  auto& b = r.add_counter("x_total", "X.", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.add_gauge("x_total", "X."), std::invalid_argument);
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  registry r;
  auto& h = r.add_histogram("lat_seconds", "Latency.", {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(0.5);
  h.observe(3);
  auto text = r.render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum 4.05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 4\n"), std::string::npos) << text;
}

TEST(MetricsRegistryTest, ConcurrentIncrementsAreAllCounted) {
  registry r;
  auto& c = r.add_counter("n_total", "N.");
  auto& h = r.add_histogram("h_seconds", "H.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        c.inc();
        h.observe(0.5);
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(c.value(), 400000u);
  EXPECT_EQ(h.read().cumulative.back(), 400000u);
  EXPECT_DOUBLE_EQ(h.read().sum, 200000.0);
}

TEST(MetricsRegistryTest, CollectorsAppendAtScrapeTime) {
  registry r;
  int calls = 0;
  r.add_collector([&](std::string& out) { out += "live " + std::to_string(++calls) + "\n"; });
  EXPECT_NE(r.render().find("live 1\n"), std::string::npos);
  EXPECT_NE(r.render().find("live 2\n"), std::string::npos);
}

}  // namespace
