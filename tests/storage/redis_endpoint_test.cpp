#include "storage/redis_endpoint.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

namespace eventbed {
namespace {

// The message of the std::invalid_argument `text` raises ("" if none).
std::string refusal(const std::string& text) {
  try {
    parse_redis_endpoint(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ParseRedisEndpoint, AcceptsHostPortHostAndBracketedIpv6) {
  auto a = parse_redis_endpoint("redis.default.svc:6380");
  EXPECT_EQ(a.host, "redis.default.svc");
  EXPECT_EQ(a.port, 6380);
  EXPECT_FALSE(a.via_sentinel());
  auto b = parse_redis_endpoint("redis");
  EXPECT_EQ(b.host, "redis");
  EXPECT_EQ(b.port, 6379);
  auto c = parse_redis_endpoint("[::1]:7000");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 7000);
}

TEST(ParseRedisEndpoint, RejectsMalformedInput) {
  for (const char* bad : {"", ":6379", "host:", "host:abc", "host:0", "host:65536", "host:123456", "::1:6379",
                          "[::1", "[::1]x", "[]:6379", "rediss://h:1", "http://h:1", "redis://", "redis://h:x",
                          "redis://h:1/db", "redis://h:1/0?timeout=1", "redis://a:1,b:2", "redis://u:@h:1",
                          "redis://u:%zz@h:1", "redis://u:%4@h:1", "redis-sentinel://h:1", "redis-sentinel://h:1/",
                          "redis-sentinel://h:1,/svc", "redis-sentinel://h:1/svc/x"}) {
    EXPECT_THROW(parse_redis_endpoint(bad), std::invalid_argument) << bad;
  }
}

TEST(ParseRedisEndpoint, ReadsTheRedisUrl) {
  auto a = parse_redis_endpoint("redis://app:s3cr%40t@redis.svc:6380/2");
  EXPECT_EQ(a.user, "app");
  EXPECT_EQ(a.password, "s3cr@t");
  EXPECT_EQ(a.host, "redis.svc");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.db, 2);
  auto b = parse_redis_endpoint("redis://:pw/with@slash@h");
  EXPECT_EQ(b.user, "");
  EXPECT_EQ(b.password, "pw/with@slash");
  EXPECT_EQ(b.host, "h");
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(b.db, 0);
  auto c = parse_redis_endpoint("redis://[::1]:7000/");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.password, "");
}

TEST(ParseRedisEndpoint, ReadsTheSentinelUrl) {
  auto a = parse_redis_endpoint("redis-sentinel://:pw@s1:26380,s2,[::1]:1/eventbed/3");
  ASSERT_TRUE(a.via_sentinel());
  ASSERT_EQ(a.sentinels.size(), 3u);
  EXPECT_EQ(a.sentinels[0].text(), "s1:26380");
  EXPECT_EQ(a.sentinels[1].text(), "s2:26379");
  EXPECT_EQ(a.sentinels[2].text(), "[::1]:1");
  EXPECT_EQ(a.service, "eventbed");
  EXPECT_EQ(a.password, "pw");
  EXPECT_EQ(a.db, 3);
}

// The password never shows: not in a refusal, not in describe().
TEST(ParseRedisEndpoint, NeverShowsThePassword) {
  for (const char* bad : {"redis://u:hunter2@h:x", "redis://u:hunter2@a:1,b:2", "redis://u:hunter2@h:1/x",
                          "redis-sentinel://u:hunter2@h:1", "rediss://u:hunter2@h:1", "redis://u:hunter2%zz@h"}) {
    auto message = refusal(bad);
    EXPECT_NE(message, "") << bad;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_NE(message.find("***"), std::string::npos) << message;
  }
  EXPECT_EQ(describe(parse_redis_endpoint("redis://u:hunter2@h:1/4")), "redis://u:***@h:1/4");
  EXPECT_EQ(describe(parse_redis_endpoint("redis-sentinel://:hunter2@a,b:2/svc")),
            "redis-sentinel://:***@a:26379,b:2/svc/0");
  EXPECT_EQ(describe(parse_redis_endpoint("h:1")), "redis://h:1/0");
}

TEST(RedisPassword, TheFileWinsAndIsReadAfreshEachTime) {
  auto path = testing::TempDir() + "redis-password";
  redis_endpoint ep;
  ep.password = "from-url";
  EXPECT_EQ(current_password(ep), "from-url");
  ep.password_file = path;
  std::remove(path.c_str());
  try {
    current_password(ep);
    ADD_FAILURE() << "a missing file must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  std::ofstream(path) << "first\n";
  EXPECT_EQ(current_password(ep), "first");
  std::ofstream(path) << "second";  // rotated in place
  EXPECT_EQ(current_password(ep), "second");
  std::ofstream(path) << "\n";
  EXPECT_THROW(current_password(ep), std::runtime_error);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace eventbed
