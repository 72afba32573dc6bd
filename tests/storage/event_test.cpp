#include "storage/event.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

// The projection's accepted_at_ms and the projector's lag come from here.
TEST(StreamIdTest, MillisecondsAreTheIdsFirstPart) {
  EXPECT_EQ(stream_id_ms("1765104000123-0"), 1765104000123);
  EXPECT_EQ(stream_id_ms("1765104000123-4294967295"), 1765104000123);
  EXPECT_EQ(stream_id_ms("1000-0"), 1000);
  EXPECT_EQ(stream_id_ms("0-0"), 0);
  EXPECT_EQ(stream_id_ms(""), 0);
}

TEST(StreamIdTest, OrderIsByMillisecondsThenSequence) {
  EXPECT_LT(compare_stream_ids("999-5", "1000-0"), 0);
  EXPECT_LT(compare_stream_ids("1000-9", "1000-10"), 0);
  EXPECT_EQ(compare_stream_ids("1000-10", "1000-10"), 0);
  EXPECT_GT(compare_stream_ids("1765104000123-1", "1765104000123-0"), 0);
}

}  // namespace
}  // namespace eventbed
