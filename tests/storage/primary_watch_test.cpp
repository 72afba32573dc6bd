// +switch-master moves connections to the new primary before they fail: real
// redis-server and redis-sentinel processes, and a failover that leaves the
// old primary up (SENTINEL FAILOVER), where nothing else would tell a
// connection that its server is no longer the primary.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "storage/primary_watch.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;

redis_reply ask(int port, const std::vector<std::string>& argv) {
  redis_endpoint ep;
  ep.port = port;
  redis_connection c(ep);
  return c.command(argv);
}

class PrimaryWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto* s : {&sentinel, &second})
      ASSERT_TRUE(eventually([&] { return s->replicas_in_sync() == 1; }, 20s, 50ms))
          << "a Sentinel never saw the replica in sync";
  }
  // The watch listens: a client of `s` is subscribed (Sentinels themselves
  // subscribe only on the servers they watch, never on each other).
  void wait_until_watched_by(redis_sentinel& s) {
    ASSERT_TRUE(eventually(
        [&] { return ask(s.port(), {"CLIENT", "LIST"}).str.find(" sub=1 ") != std::string::npos; }, 20s, 20ms))
        << "the watch never subscribed on :" << s.port();
  }
  void fail_over(redis_sentinel& by) {
    ASSERT_EQ(ask(by.port(), {"SENTINEL", "FAILOVER", "eventbed"}).str, "OK");
  }

  redis_server primary;
  redis_server replica{redis_server_options{true, "", primary.port()}};
  redis_sentinel sentinel{redis_sentinel_options{primary.port()}};
  redis_sentinel second{redis_sentinel_options{primary.port()}};
};

// The old primary still answers, and as a primary, for a while after the
// switch: without the watch the next write would land there and be lost when
// it becomes a replica.
TEST_F(PrimaryWatchTest, AConnectionMovesToTheNewPrimaryBeforeItsNextCall) {
  auto ep = parse_redis_endpoint(sentinel_url("eventbed", sentinel, second));
  primary_watch watch(ep);
  ep.primary_switches = watch.switches();
  redis_connection c(ep);
  ASSERT_EQ(c.command({"SET", "before", "1"}).str, "OK");
  wait_until_watched_by(sentinel);
  ASSERT_EQ(c.server().port, primary.port());

  fail_over(sentinel);
  ASSERT_TRUE(eventually([&] { return watch.switches()->load() >= 1; }, 30s, 20ms))
      << "no +switch-master seen";
  EXPECT_EQ(c.command({"SET", "after", "1"}).str, "OK");
  EXPECT_EQ(c.server().port, replica.port());
  EXPECT_EQ(ask(replica.port(), {"GET", "after"}).str, "1");
}

// The Sentinel it listens to goes: it listens to the next one.
TEST_F(PrimaryWatchTest, ListensToTheNextSentinelWhenOneGoes) {
  auto ep = parse_redis_endpoint(sentinel_url("eventbed", sentinel, second));
  primary_watch watch(ep);
  wait_until_watched_by(sentinel);
  sentinel.kill();
  wait_until_watched_by(second);
  fail_over(second);
  EXPECT_TRUE(eventually([&] { return watch.switches()->load() >= 1; }, 30s, 20ms))
      << "the switch announced by the second Sentinel was not seen";
}

// Without Sentinel there is nothing to watch, and connections are as before.
TEST_F(PrimaryWatchTest, DoesNothingForOneServer) {
  auto ep = parse_redis_endpoint(primary.endpoint());
  primary_watch watch(ep);
  ep.primary_switches = watch.switches();
  redis_connection c(ep);
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
  EXPECT_EQ(watch.switches()->load(), 0u);
}

}  // namespace
}  // namespace eventbed
