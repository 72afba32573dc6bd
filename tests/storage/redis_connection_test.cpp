#include "storage/redis_connection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/storage_error.hpp"
#include "storage/wakeup.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;
using kind = redis_reply::kind;

class RedisConnectionTest : public ::testing::Test {
 protected:
  redis_endpoint endpoint() const { return parse_redis_endpoint(server.endpoint()); }
  long long client_id(redis_connection& c) { return c.command({"CLIENT", "ID"}).integer; }

  // Clients the server holds in a blocking command right now.
  long long blocked_clients() {
    auto info = observer.command({"INFO", "clients"}).str;
    auto at = info.find("blocked_clients:");
    return at == std::string::npos ? -1 : std::stoll(info.substr(at + 16));
  }

  // An XREAD on an empty stream that blocks `block_ms` (the connection's
  // io_timeout is a minute, so it may), with `wake`, on a thread of its own.
  std::future<redis_reply> blocking_xread(redis_connection& c, wakeup& wake, const std::string& block_ms) {
    return std::async(std::launch::async, [&c, &wake, block_ms] {
      return c.command({"XREAD", "BLOCK", block_ms, "STREAMS", "s", "$"}, wake);
    });
  }
  redis_endpoint patient_endpoint() const {
    auto ep = endpoint();
    ep.io_timeout = 60s;
    return ep;
  }
  static bool ready(std::future<redis_reply>& f) { return f.wait_for(0s) == std::future_status::ready; }

  redis_server server;
  redis_connection observer{endpoint()};
};

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

// What a reply_visitor is shown, one line per element: "depth index what".
class recording_visitor final : public reply_visitor {
 public:
  void array(int depth, size_t index, size_t elements) override {
    add(depth, index, "array " + std::to_string(elements));
  }
  void string(int depth, size_t index, std::string_view s) override {
    if (s == "throw") throw std::runtime_error("visitor failed");
    add(depth, index, "'" + std::string(s) + "'");
  }
  void scalar(int depth, size_t index) override { add(depth, index, "scalar"); }

  std::vector<std::string> seen;

 private:
  void add(int depth, size_t index, const std::string& what) {
    seen.push_back(std::to_string(depth) + " " + std::to_string(index) + " " + what);
  }
};

redis_commands one(const std::vector<std::string>& argv) {
  redis_commands cmd;
  cmd.begin(argv.size());
  for (const auto& a : argv) cmd.arg(a);
  return cmd;
}

TEST_F(RedisConnectionTest, AVisitorSeesEachElementOfAnArrayReplyWithItsDepthAndIndex) {
  redis_connection c(endpoint());
  recording_visitor v;
  // Lua: nil in a table ends it, false becomes a nil reply, numbers integers.
  auto reply = c.command(one({"EVAL", "return {'a', {7, false, {}}, {'b', {'c'}}}", "0"}), v);
  EXPECT_EQ(reply.type, kind::array);
  EXPECT_TRUE(reply.elements.empty());
  const std::vector<std::string> want{"0 0 array 3", "1 0 'a'",   "1 1 array 3", "2 0 scalar", "2 1 scalar",
                                      "2 2 array 0", "1 2 array 2", "2 0 'b'",   "2 1 array 1", "3 0 'c'"};
  EXPECT_EQ(v.seen, want);

  // Any other reply comes back whole, and the visitor sees nothing of it.
  recording_visitor none;
  c.command({"SET", "k", "text"});
  auto get = c.command(one({"GET", "k"}), none);
  EXPECT_EQ(get.type, kind::string);
  EXPECT_EQ(get.str, "text");
  EXPECT_EQ(c.command(one({"GET", "missing"}), none).type, kind::nil);
  EXPECT_EQ(c.command(one({"INCR", "k"}), none).type, kind::error);
  EXPECT_TRUE(none.seen.empty());
}

TEST_F(RedisConnectionTest, AVisitorsExceptionIsThrownOnceTheWholeReplyIsRead) {
  redis_connection c(endpoint());
  long long before = client_id(c);
  recording_visitor v;
  const std::string large(100000, 'x');  // several reads after the throw
  EXPECT_THROW(c.command(one({"EVAL", "return {'a', 'throw', 'b', ARGV[1]}", "0", large}), v), std::runtime_error);
  EXPECT_EQ(v.seen, std::vector<std::string>({"0 0 array 4", "1 0 'a'"}));  // nothing after the throw
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(client_id(c), before);
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
  // The usual replies again: no visitor is left behind on the connection.
  auto range = c.command({"EVAL", "return {'a', {'b'}}", "0"});
  ASSERT_EQ(range.elements.size(), 2u);
  EXPECT_EQ(range.elements[1].elements[0].str, "b");
}

TEST_F(RedisConnectionTest, AWakeupEndsAVisitedBlockedRead) {
  redis_connection c(patient_endpoint());
  wakeup wake;
  recording_visitor v;
  auto read = std::async(std::launch::async, [&] {
    return c.command(one({"XREAD", "BLOCK", "30000", "STREAMS", "s", "$"}), wake, v);
  });
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, 10s));
  wake.signal();
  ASSERT_TRUE(eventually([&] { return ready(read); }, 10s)) << "the wakeup did not end the block";
  EXPECT_EQ(read.get().type, kind::nil);
  EXPECT_TRUE(v.seen.empty());
  const std::string id = observer.command({"XADD", "s", "*", "f", "v"}).str;
  auto entries = c.command(one({"XREAD", "BLOCK", "30000", "STREAMS", "s", "0"}), wake, v);
  EXPECT_EQ(entries.type, kind::array);
  const std::vector<std::string> want{"0 0 array 1", "1 0 array 2", "2 0 's'",     "2 1 array 1", "3 0 array 2",
                                      "4 0 '" + id + "'", "4 1 array 2", "5 0 'f'", "5 1 'v'"};
  EXPECT_EQ(v.seen, want);
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

TEST_F(RedisConnectionTest, AWakeupEndsABlockedReadWithWhatAnExpiredBlockReturns) {
  redis_connection c(patient_endpoint());
  wakeup wake;
  auto read = blocking_xread(c, wake, "30000");
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, 10s));
  wake.signal();
  // 30 s of BLOCK left: only the wakeup ends it within the deadline.
  ASSERT_TRUE(eventually([&] { return ready(read); }, 10s)) << "the wakeup did not end the block";
  EXPECT_EQ(read.get().type, kind::nil);
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
}

TEST_F(RedisConnectionTest, AWakeupSignalledBeforeTheReadEndsItAndIsConsumed) {
  redis_connection c(patient_endpoint());
  wakeup wake;
  wake.signal();  // e.g. the exit message came while the actor was busy elsewhere
  auto first = blocking_xread(c, wake, "30000");
  ASSERT_TRUE(eventually([&] { return ready(first); }, 10s)) << "a kept signal did not end the next read";
  EXPECT_EQ(first.get().type, kind::nil);
  // Consumed: the next read blocks, and returns what arrives.
  auto second = blocking_xread(c, wake, "30000");
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, 10s)) << "the signal was not consumed";
  observer.command({"XADD", "s", "*", "f", "v"});
  ASSERT_TRUE(eventually([&] { return ready(second); }, 10s));
  auto reply = second.get();
  ASSERT_EQ(reply.type, kind::array);
  EXPECT_EQ(reply.elements.at(0).elements.at(1).elements.size(), 1u);
}

TEST_F(RedisConnectionTest, WhereRedisRefusesTheUnblockTheBlockRunsItsCourse) {
  ASSERT_EQ(observer.command({"ACL", "SETUSER", "default", "-client|unblock"}).str, "OK");
  ASSERT_EQ(observer.command({"CLIENT", "UNBLOCK", "1"}).type, kind::error);
  redis_connection c(patient_endpoint());
  wakeup wake;
  auto read = blocking_xread(c, wake, "300");
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1 || ready(read); }, 10s));
  wake.signal();
  ASSERT_TRUE(eventually([&] { return ready(read); }, 10s));
  EXPECT_EQ(read.get().type, kind::nil);
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
}

TEST_F(RedisConnectionTest, AReadWaitingForAWakeupStillTimesOut) {
  auto ep = endpoint();
  ep.io_timeout = 200ms;
  redis_connection c(ep);
  wakeup wake;
  // BLPOP's own timeout (5 s) is past io_timeout: a dead server looks like this.
  EXPECT_THROW(c.command({"BLPOP", "never", "5"}, wake), storage_error);
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(c.command({"PING"}).str, "PONG");
}

}  // namespace
}  // namespace eventbed
