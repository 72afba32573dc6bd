#include "storage/redis_connection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/storage_error.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;
using kind = redis_reply::kind;

class RedisConnectionTest : public ::testing::Test {
 protected:
  redis_endpoint endpoint() const { return parse_redis_endpoint(server.endpoint()); }
  long long client_id(redis_connection& c) { return c.command({"CLIENT", "ID"}).integer; }

  redis_server server;
};

TEST(ParseRedisEndpoint, AcceptsHostPortHostAndBracketedIpv6) {
  auto a = parse_redis_endpoint("redis.default.svc:6380");
  EXPECT_EQ(a.host, "redis.default.svc");
  EXPECT_EQ(a.port, 6380);
  auto b = parse_redis_endpoint("redis");
  EXPECT_EQ(b.host, "redis");
  EXPECT_EQ(b.port, 6379);
  auto c = parse_redis_endpoint("[::1]:7000");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 7000);
}

TEST(ParseRedisEndpoint, RejectsMalformedInput) {
  for (const char* bad : {"", ":6379", "host:", "host:abc", "host:0", "host:65536", "host:123456", "::1:6379",
                          "[::1", "[::1]x", "[]:6379"}) {
    EXPECT_THROW(parse_redis_endpoint(bad), std::invalid_argument) << bad;
  }
}

TEST_F(RedisConnectionTest, MapsEveryReplyKindAndIsBinarySafe) {
  redis_connection c(endpoint());
  const std::string binary("a\0b\r\nc", 6);
  auto set = c.command({"SET", "k", binary});
  EXPECT_EQ(set.type, kind::status);
  EXPECT_EQ(set.str, "OK");
  auto get = c.command({"GET", "k"});
  EXPECT_EQ(get.type, kind::string);
  EXPECT_EQ(get.str, binary);
  EXPECT_EQ(c.command({"GET", "missing"}).type, kind::nil);
  auto incr = c.command({"INCR", "n"});
  EXPECT_EQ(incr.type, kind::integer);
  EXPECT_EQ(incr.integer, 1);
  c.command({"RPUSH", "l", "x", "y"});
  auto range = c.command({"LRANGE", "l", "0", "-1"});
  ASSERT_EQ(range.type, kind::array);
  ASSERT_EQ(range.elements.size(), 2u);
  EXPECT_EQ(range.elements[1].str, "y");
}

TEST_F(RedisConnectionTest, ErrorReplyIsReturnedNotThrownAndConnectionSurvives) {
  redis_connection c(endpoint());
  long long before = client_id(c);
  c.command({"SET", "k", "text"});
  auto err = c.command({"INCR", "k"});
  EXPECT_EQ(err.type, kind::error);
  EXPECT_EQ(err.str.rfind("ERR", 0), 0u) << err.str;
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(client_id(c), before);
}

TEST_F(RedisConnectionTest, PipelineOfManyCommandsAnswersInOrder) {
  redis_connection c(endpoint());
  c.command({"SET", "s", "text"});
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 2000; ++i) {
    if (i % 100 == 99) cmds.push_back({"INCR", "s"});  // an error reply must not shift the others
    else cmds.push_back({"INCR", "counter"});
  }
  auto replies = c.pipeline(cmds);
  ASSERT_EQ(replies.size(), cmds.size());
  long long expected = 0;
  for (size_t i = 0; i < replies.size(); ++i) {
    if (i % 100 == 99) {
      EXPECT_EQ(replies[i].type, kind::error) << i;
    } else {
      ASSERT_EQ(replies[i].type, kind::integer) << i;
      EXPECT_EQ(replies[i].integer, ++expected) << i;
    }
  }
  EXPECT_EQ(c.command({"GET", "counter"}).str, std::to_string(expected));
  EXPECT_TRUE(c.pipeline(std::vector<std::vector<std::string>>{}).empty());
  EXPECT_TRUE(c.pipeline(redis_commands{}).empty());
}

TEST_F(RedisConnectionTest, ConnectsLazilyAndKeepsOneConnection) {
  redis_connection c(endpoint());
  EXPECT_FALSE(c.connected());
  long long first = client_id(c);
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(client_id(c), first);
  c.disconnect();
  EXPECT_FALSE(c.connected());
  EXPECT_NE(client_id(c), first);
}

TEST_F(RedisConnectionTest, ThrowsWhileServerIsDownAndRecoversAfter) {
  server.stop();
  redis_connection c(endpoint());  // constructing must not need the server
  EXPECT_THROW(c.command({"PING"}), storage_error);
  EXPECT_FALSE(c.connected());
  EXPECT_THROW(c.pipeline({{"PING"}, {"PING"}}), storage_error);
  EXPECT_THROW(c.connect(), storage_error);
  server.start();
  auto pong = c.command({"PING"});
  EXPECT_EQ(pong.type, kind::status);
  EXPECT_EQ(pong.str, "PONG");
  EXPECT_TRUE(c.connected());
}

TEST_F(RedisConnectionTest, ReconnectsAfterServerRestart) {
  redis_connection c(endpoint());
  c.command({"SET", "k", "kept"});
  server.stop();
  server.start();
  // The old socket is dead: that call fails, drops it, and the next one reconnects.
  EXPECT_THROW(c.command({"GET", "k"}), storage_error);
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(c.command({"GET", "k"}).str, "kept");  // AOF survived the restart
}

TEST_F(RedisConnectionTest, PeerResetDuringLargePipelineThrowsInsteadOfSigpipe) {
  redis_connection c(endpoint());
  c.command({"SET", "k", "acknowledged"});
  server.kill();
  server.start();
  // Far more than a socket buffer: write(2) keeps going after the reset.
  std::vector<std::vector<std::string>> big(64, {"SET", "big", std::string(256 * 1024, 'x')});
  EXPECT_THROW(c.pipeline(big), storage_error);
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(c.command({"GET", "k"}).str, "acknowledged");  // the harness fsyncs every write
}

TEST_F(RedisConnectionTest, IoTimeoutThrowsAndDropsTheConnection) {
  auto ep = endpoint();
  ep.io_timeout = 200ms;
  redis_connection c(ep);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(c.command({"BLPOP", "never", "5"}), storage_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
}

}  // namespace
}  // namespace eventbed
