// The text exposition format as every eventbed /metrics writes it.
#include "common/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

using namespace eventbed::metrics;

namespace {

TEST(PrometheusText, NumbersAreTheShortestTextThatReadsBack) {
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(3), "3");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(2.5e-5), "2.5e-05");
  EXPECT_EQ(format_number(1e15), "1e+15");
  // A start time in seconds keeps its milliseconds (9 significant digits would not).
  double start = 1765055126.375;
  EXPECT_EQ(std::strtod(format_number(start).c_str(), nullptr), start) << format_number(start);
  double third = 1.0 / 3;
  EXPECT_EQ(std::strtod(format_number(third).c_str(), nullptr), third) << format_number(third);
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_number(std::nan("")), "NaN");
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label("plain"), "plain");
  EXPECT_EQ(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(PrometheusText, FamilyHeaderAndSamples) {
  std::string out;
  write_family(out, "jobs_total", kind::counter, "Jobs done.");
  write_sample(out, "jobs_total", {{"kind", "a\"b"}, {"node", "n1"}}, 3);
  write_sample(out, "jobs_total", {}, 1);
  EXPECT_EQ(out,
            "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\n"
            "jobs_total{kind=\"a\\\"b\",node=\"n1\"} 3\n"
            "jobs_total 1\n");
}

TEST(PrometheusText, HistogramHasCumulativeBucketsInfSumAndCount) {
  std::string out;
  write_histogram(out, "lat_seconds", {{"op", "x"}}, {0.1, 1}, {2, 5, 7}, 3.5);
  EXPECT_EQ(out,
            "lat_seconds_bucket{op=\"x\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{op=\"x\",le=\"1\"} 5\n"
            "lat_seconds_bucket{op=\"x\",le=\"+Inf\"} 7\n"
            "lat_seconds_sum{op=\"x\"} 3.5\n"
            "lat_seconds_count{op=\"x\"} 7\n");
  std::string bare;
  write_histogram(bare, "h", {}, {}, {4}, 0);
  EXPECT_EQ(bare, "h_bucket{le=\"+Inf\"} 4\nh_sum 0\nh_count 4\n");
}

}  // namespace
