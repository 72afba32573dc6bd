#include <gtest/gtest.h>

#include <ctime>

#include "common/fault_injection.hpp"

using namespace eventbed;
using std::chrono::microseconds;

namespace {

TEST(FaultInjectionTest, ParsesFixedAndRangeLatencies) {
  auto fixed = parse_latency_range("5");
  EXPECT_EQ(fixed.min, microseconds(5000));
  EXPECT_EQ(fixed.max, microseconds(5000));
  auto range = parse_latency_range("0.5-20");
  EXPECT_EQ(range.min, microseconds(500));
  EXPECT_EQ(range.max, microseconds(20000));
  EXPECT_FALSE(parse_latency_range("0").active());
  EXPECT_THROW(parse_latency_range("fast"), std::invalid_argument);
  EXPECT_THROW(parse_latency_range("20-5"), std::invalid_argument);
  EXPECT_THROW(parse_latency_range("-5"), std::invalid_argument);
}

TEST(FaultInjectionTest, DrawsStayInsideTheRange) {
  auto r = parse_latency_range("1-3");
  for (int i = 0; i < 1000; ++i) {
    auto d = r.draw();
    ASSERT_GE(d, microseconds(1000));
    ASSERT_LE(d, microseconds(3000));
  }
}

TEST(FaultInjectionTest, ErrorRateIsRoughlyTheFractionAsked) {
  fault_injection off, all, tenth;
  all.error_rate = 1;
  tenth.error_rate = 0.1;
  int failures = 0;
  for (int i = 0; i < 20000; ++i) {
    ASSERT_FALSE(off.fail_now());
    ASSERT_TRUE(all.fail_now());
    failures += tenth.fail_now() ? 1 : 0;
  }
  EXPECT_GT(failures, 1600);  // 2000 expected; 10 standard deviations is ~420
  EXPECT_LT(failures, 2400);
}

TEST(FaultInjectionTest, BurnCpuSpendsCpuTimeNotJustWallTime) {
  timespec a{}, b{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  burn_cpu(microseconds(50000));
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  double cpu_s = double(b.tv_sec - a.tv_sec) + double(b.tv_nsec - a.tv_nsec) / 1e9;
  EXPECT_GE(cpu_s, 0.05);
  EXPECT_LT(cpu_s, 0.5);
}

}  // namespace
