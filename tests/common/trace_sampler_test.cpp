#include "common/trace_sampler.hpp"

#include <gtest/gtest.h>

using namespace eventbed::tracing;

namespace {

// A trace id whose last 8 bytes, as OpenTelemetry's ratio test reads them, are `low`.
trace_id with_low(uint64_t low) {
  trace_id id{};
  id[0] = 1;
  for (int i = 0; i < 8; ++i)
    id[15 - i] = static_cast<uint8_t>(low >> (8 * i));
  return id;
}

sampler make(const std::string& name, const std::string& arg = "") {
  std::string problem;
  auto s = sampler::from_settings(name, arg, problem);
  EXPECT_EQ(problem, "") << name << " " << arg;
  return s;
}

TEST(TraceSampler, DefaultIsParentBasedAlwaysOn) {
  sampler s;
  trace_context sampled_parent{with_low(0), {1}, true}, unsampled_parent{with_low(0), {1}, false};
  EXPECT_TRUE(s.sample(nullptr, with_low(~0ull)));
  EXPECT_TRUE(s.sample(&sampled_parent, sampled_parent.trace));
  EXPECT_FALSE(s.sample(&unsampled_parent, unsampled_parent.trace));
}

TEST(TraceSampler, AlwaysOnAndOffIgnoreTheParent) {
  trace_context unsampled_parent{with_low(0), {1}, false}, sampled_parent{with_low(0), {1}, true};
  EXPECT_TRUE(make("always_on").sample(&unsampled_parent, unsampled_parent.trace));
  EXPECT_FALSE(make("always_off").sample(&sampled_parent, sampled_parent.trace));
  EXPECT_FALSE(make("always_off").sample(nullptr, with_low(0)));
}

TEST(TraceSampler, RatioComparesTheShiftedLowHalfOfTheTraceId) {
  auto s = make("traceidratio", "0.5");
  // 0.5 * 2^63 = 2^62: shifted ids below it are kept.
  EXPECT_TRUE(s.sample(nullptr, with_low(((1ull << 62) - 1) << 1)));
  EXPECT_FALSE(s.sample(nullptr, with_low((1ull << 62) << 1)));
  EXPECT_TRUE(make("traceidratio", "1").sample(nullptr, with_low(~0ull)));
  EXPECT_FALSE(make("traceidratio", "0").sample(nullptr, with_low(0)));
  // Not parent-based: a sampled parent does not override the ratio.
  trace_context parent{with_low(~0ull), {1}, true};
  EXPECT_FALSE(s.sample(&parent, parent.trace));
}

TEST(TraceSampler, ParentBasedRatioAppliesTheRatioToRootsOnly) {
  auto s = make("parentbased_traceidratio", "0.25");
  trace_context sampled{with_low(~0ull), {1}, true}, unsampled{with_low(0), {1}, false};
  EXPECT_TRUE(s.sample(&sampled, sampled.trace));
  EXPECT_FALSE(s.sample(&unsampled, unsampled.trace));
  EXPECT_TRUE(s.sample(nullptr, with_low(0)));
  EXPECT_FALSE(s.sample(nullptr, with_low(~0ull)));
  EXPECT_EQ(s.description(), "parentbased_traceidratio 0.250000");
}

TEST(TraceSampler, BadSettingsFallBackAndSayWhy) {
  std::string problem;
  auto s = sampler::from_settings("jaeger_remote", "", problem);
  EXPECT_NE(problem.find("jaeger_remote"), std::string::npos);
  EXPECT_EQ(s.description(), "parentbased_always_on");
  problem.clear();
  s = sampler::from_settings("traceidratio", "1.5", problem);
  EXPECT_NE(problem.find("1.5"), std::string::npos);
  EXPECT_TRUE(s.sample(nullptr, with_low(~0ull)));  // ratio 1.0
}

}  // namespace
