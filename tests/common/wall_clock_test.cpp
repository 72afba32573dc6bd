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

// time_t is 32 bits on armhf: the formatting must not go through it.
TEST(WallClock, Iso8601PastTheYear2038) {
  EXPECT_EQ(iso8601_utc(2147483647999), "2038-01-19T03:14:07.999Z") << "the last 32-bit second";
  EXPECT_EQ(iso8601_utc(2147483648000), "2038-01-19T03:14:08.000Z") << "one second later";
  EXPECT_EQ(iso8601_utc(4107542400000), "2100-03-01T00:00:00.000Z") << "2100 is no leap year";
  EXPECT_EQ(iso8601_utc(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(WallClock, Iso8601BeforeTheEpoch) {
  EXPECT_EQ(iso8601_utc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso8601_utc(-86400000), "1969-12-31T00:00:00.000Z");
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
