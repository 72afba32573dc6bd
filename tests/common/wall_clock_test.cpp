// Timestamps as eventbed shows them.
#include "common/wall_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace eventbed;

namespace {

TEST(WallClock, Iso8601WithMillisecondsInUtc) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_utc(1763805600123), "2025-11-22T10:00:00.123Z");
  EXPECT_EQ(iso8601_utc(951782400007), "2000-02-29T00:00:00.007Z") << "a leap day";
}

TEST(WallClock, NowIsTheSystemClockInMilliseconds) {
  using namespace std::chrono;
  auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto now = wall_clock_ms();
  auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
