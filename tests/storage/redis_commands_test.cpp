#include "storage/redis_commands.hpp"

#include <gtest/gtest.h>

#include <string>

#include "storage/redis_connection.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using kind = redis_reply::kind;

TEST(RedisCommands, EncodesRespArraysOfBulkStrings) {
  redis_commands cmds;
  cmds.add({"SET", "k", ""});
  cmds.begin(2);
  cmds.arg("GET");
  cmds.arg(std::string("a\0b", 3));
  EXPECT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds.encoded(), std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
                                        "*2\r\n$3\r\nGET\r\n$3\r\na\0b\r\n",
                                        48));
}

TEST(RedisCommands, AClearedBatchIsEmptyAndEncodesTheNextAsAFreshOneDoes) {
  redis_commands kept;
  kept.add({"XADD", "s", "*", "f", std::string(10000, 'v')});  // past the first buffer
  kept.clear();
  EXPECT_TRUE(kept.empty());
  EXPECT_EQ(kept.encoded(), "");
  kept.add({"GET", "k"});
  redis_commands fresh;
  fresh.add({"GET", "k"});
  EXPECT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept.encoded(), fresh.encoded());
}

// The encoder and the reply builder against a real server: nested arrays
// (XRANGE), binary values, nil, errors, in one round trip.
TEST(RedisCommands, PipelineRoundTripThroughRedis) {
  redis_server server;
  redis_connection c(parse_redis_endpoint(server.endpoint()));
  const std::string binary("x\r\n\0y", 5);
  redis_commands cmds;
  cmds.add({"XADD", "s", "1-1", "f", binary, "g", ""});
  cmds.add({"XRANGE", "s", "-", "+"});
  cmds.add({"GET", "missing"});
  cmds.add({"NOSUCHCOMMAND"});
  cmds.add({"INCRBY", "n", "41"});
  auto r = c.pipeline(cmds);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].str, "1-1");
  ASSERT_EQ(r[1].type, kind::array);
  ASSERT_EQ(r[1].elements.size(), 1u);
  const auto& entry = r[1].elements[0];
  ASSERT_EQ(entry.elements.size(), 2u);
  EXPECT_EQ(entry.elements[0].str, "1-1");
  ASSERT_EQ(entry.elements[1].elements.size(), 4u);
  EXPECT_EQ(entry.elements[1].field("f")->str, binary);
  EXPECT_EQ(entry.elements[1].field("g")->str, "");
  EXPECT_EQ(r[2].type, kind::nil);
  EXPECT_EQ(r[3].type, kind::error);
  EXPECT_EQ(r[4].type, kind::integer);
  EXPECT_EQ(r[4].integer, 41);
}

}  // namespace
}  // namespace eventbed
