// Finding the primary through real redis-sentinel processes, and following it
// when Sentinel fails over.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;

// The message `argv` fails with on `c` ("" if it succeeds).
std::string failure(redis_connection& c, const std::vector<std::string>& argv) {
  try {
    c.command(argv);
  } catch (const storage_error& e) {
    return e.what();
  }
  return "";
}

class RedisSentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(eventually([&] { return sentinel.replicas_in_sync() == 1; }, 20s, 50ms))
        << "the Sentinel never saw the replica in sync";
  }
  redis_endpoint endpoint() const { return parse_redis_endpoint(sentinel_url("eventbed", sentinel)); }

  redis_server primary;
  redis_server replica{redis_server_options{true, "", primary.port()}};
  redis_sentinel sentinel{redis_sentinel_options{primary.port()}};
};

TEST_F(RedisSentinelTest, FindsThePrimaryThroughTheSentinel) {
  redis_connection c(endpoint());
  EXPECT_EQ(c.command({"SET", "k", "v"}).str, "OK");
  EXPECT_EQ(c.server().port, primary.port());
}

TEST_F(RedisSentinelTest, FollowsTheNewPrimaryAfterAFailover) {
  redis_connection c(endpoint());
  ASSERT_EQ(c.command({"SET", "before", "1"}).str, "OK");
  ASSERT_EQ(c.command({"WAIT", "1", "2000"}).integer, 1);
  primary.kill();
  EXPECT_NE(failure(c, {"SET", "during", "1"}), "");
  ASSERT_TRUE(eventually([&] { return failure(c, {"SET", "after", "1"}).empty(); }, 30s, 100ms))
      << failure(c, {"SET", "after", "1"});
  EXPECT_EQ(c.server().port, replica.port());
  EXPECT_EQ(c.command({"GET", "before"}).str, "1");
}

// A Sentinel that does not answer is skipped: the next one is asked.
TEST_F(RedisSentinelTest, AsksTheNextSentinelWhenOneIsDown) {
  redis_sentinel second{redis_sentinel_options{primary.port()}};
  redis_connection c(parse_redis_endpoint(sentinel_url("eventbed", sentinel, second)));
  sentinel.kill();
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
  EXPECT_EQ(c.server().port, primary.port());
}

TEST_F(RedisSentinelTest, AnUnknownServiceIsNamedInTheError) {
  redis_connection c(parse_redis_endpoint(sentinel_url("no-such-service", sentinel)));
  auto message = failure(c, {"PING"});
  EXPECT_NE(message.find("no-such-service"), std::string::npos) << message;
}

// Whatever a Sentinel says, a server whose ROLE is not master is not used.
TEST_F(RedisSentinelTest, RefusesAPrimaryWhoseRoleIsReplica) {
  redis_sentinel confused{redis_sentinel_options{replica.port(), "confused"}};
  redis_connection c(parse_redis_endpoint(sentinel_url("confused", confused)));
  auto message = failure(c, {"PING"});
  EXPECT_NE(message.find("ROLE is 'slave'"), std::string::npos) << message;
}

// A write on a replica is an I/O failure (READONLY), not an answer: the
// context is dropped so that the next call looks for the primary again.
TEST_F(RedisSentinelTest, AReadOnlyReplyDropsTheConnection) {
  redis_connection direct(parse_redis_endpoint(replica.endpoint()));
  auto message = failure(direct, {"SET", "k", "v"});
  EXPECT_NE(message.find("READONLY"), std::string::npos) << message;
  EXPECT_FALSE(direct.connected());
}

}  // namespace
}  // namespace eventbed
