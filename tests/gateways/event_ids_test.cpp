#include "gateways/event_ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eventbed {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The 48-bit unix_ts_ms field: the first 12 hex digits, around the first dash.
int64_t id_ms(const std::string& id) {
  return std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

bool lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

TEST(EventIds, CanonicalUuidText) {
  const std::string id = make_event_id();
  ASSERT_EQ(id.size(), 36u);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(id[i], '-') << id;
    } else {
      EXPECT_TRUE(lower_hex(id[i])) << id;
    }
  }
}

TEST(EventIds, VersionSevenAndRfcVariant) {
  for (int i = 0; i < 1000; ++i) {
    const std::string id = make_event_id();
    EXPECT_EQ(id[14], '7') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}

TEST(EventIds, TimestampIsUnixMilliseconds) {
  const int64_t before = now_ms();
  const std::string id = make_event_id();
  const int64_t after = now_ms();
  EXPECT_GE(id_ms(id), before);
  EXPECT_LE(id_ms(id), after + 1);  // +1: a counter carry may move it one tick ahead
}

TEST(EventIds, StrictlyIncreasingWithinOneMillisecond) {
  std::vector<std::string> ids(100000);
  for (auto& id : ids) id = make_event_id();
  size_t same_ms = 0;
  for (size_t i = 1; i < ids.size(); ++i) {
    ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
    same_ms += id_ms(ids[i - 1]) == id_ms(ids[i]);
  }
  EXPECT_GT(same_ms, ids.size() / 2) << "the test never exercised the counter";
}

TEST(EventIds, CounterStartsRandomInEachMillisecond) {
  std::set<std::string> first_counters;  // rand_a holds the counter's top 12 bits
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    first_counters.insert(make_event_id().substr(15, 3));
  }
  EXPECT_GT(first_counters.size(), 1u);
}

TEST(EventIds, RandomTailDiffers) {
  std::set<std::string> tails;
  for (int i = 0; i < 100; ++i) tails.insert(make_event_id().substr(24));
  EXPECT_EQ(tails.size(), 100u);
}

TEST(EventIds, UniqueAndOrderedPerThreadAcrossThreads) {
  constexpr int threads = 4;
  constexpr int per_thread = 50000;
  std::vector<std::vector<std::string>> made(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&made, t] {
      made[t].reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) made[t].push_back(make_event_id());
    });
  }
  for (auto& w : workers) w.join();

  std::vector<std::string> all;
  for (const auto& ids : made) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
    all.insert(all.end(), ids.begin(), ids.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "duplicate id";
  EXPECT_EQ(all.size(), size_t{threads} * per_thread);
}

TEST(EventIds, GeneratedIdsPassTheIdRule) { EXPECT_TRUE(valid_event_id(make_event_id(), 36)); }

TEST(EventIdRule, AcceptsTheAllowedAlphabet) {
  EXPECT_TRUE(valid_event_id("Order-1.2_x:Y", 128));
  EXPECT_TRUE(valid_event_id("...", 128));  // only the path components "." and ".." are special
  EXPECT_TRUE(valid_event_id(std::string(128, 'a'), 128));
}

TEST(EventIdRule, RejectsEverythingElse) {
  for (const char* id : {"", ".", "..", "../x", "a/b", "a\\b", "a b", "a%2f", "<x>", "a\"b",
                         "caf\xc3\xa9", "a\n", "a\tb", "a;b", "a?b", "a#b", "a*b"}) {
    EXPECT_FALSE(valid_event_id(id, 128)) << id;
  }
  EXPECT_FALSE(valid_event_id(std::string_view("a\0b", 3), 128));
  EXPECT_FALSE(valid_event_id(std::string(129, 'a'), 128));
}

TEST(Traceparent, FreshOnesAreValidSampledAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string tp = make_traceparent();
    ASSERT_TRUE(valid_traceparent(tp)) << tp;
    EXPECT_EQ(tp.substr(53), "01");
    seen.insert(tp.substr(3, 32));
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Traceparent, AcceptsW3cExample) {
  EXPECT_TRUE(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_TRUE(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
}

TEST(Traceparent, RejectsMalformed) {
  const char* bad[] = {
      "",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // uppercase trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",   // uppercase parent id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",   // uppercase flags
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent id
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // unknown version
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // forbidden version
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // short trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // trailing data
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",   // wrong separator
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",   // not hex
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",   // shifted
  };
  for (const char* tp : bad) EXPECT_FALSE(valid_traceparent(tp)) << tp;
}

}  // namespace
}  // namespace eventbed
