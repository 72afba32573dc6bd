// AUTH, SELECT and refused logins on a real redis-server with requirepass.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;

const std::string kPassword = "hunter2-secret";

class RedisLoginTest : public ::testing::Test {
 protected:
  redis_endpoint endpoint(const std::string& url_tail = "") const {
    return parse_redis_endpoint("redis://" + url_tail + server.endpoint());
  }
  // The message a command on `c` fails with ("" if it does not).
  static std::string failure(redis_connection& c) {
    try {
      c.command({"PING"});
    } catch (const storage_error& e) {
      return e.what();
    }
    return "";
  }

  redis_server server{redis_server_options{true, kPassword, 0}};
};

TEST_F(RedisLoginTest, LogsInWithThePasswordAndSelectsTheDatabase) {
  redis_connection c(endpoint(":" + kPassword + "@"));
  EXPECT_EQ(c.command({"SET", "k", "in-db-0"}).str, "OK");
  auto ep = endpoint(":" + kPassword + "@");
  ep.db = 3;
  redis_connection in3(ep);
  EXPECT_EQ(in3.command({"SET", "k", "in-db-3"}).str, "OK");
  EXPECT_EQ(c.command({"GET", "k"}).str, "in-db-0");
  in3.disconnect();  // a reconnect selects the database again
  EXPECT_EQ(in3.command({"GET", "k"}).str, "in-db-3");
}

TEST_F(RedisLoginTest, LogsInAsAnAclUser) {
  redis_connection admin(endpoint(":" + kPassword + "@"));
  ASSERT_EQ(admin.command({"ACL", "SETUSER", "app", "on", ">app-pass", "~*", "+@all"}).str, "OK");
  redis_connection c(endpoint("app:app-pass@"));
  EXPECT_EQ(c.command({"ACL", "WHOAMI"}).str, "app");
}

// A wrong password is named as such, never quoted, and not retried at once.
TEST_F(RedisLoginTest, AWrongPasswordIsNamedNotQuotedAndBackedOff) {
  redis_connection c(endpoint(":wrong-pass@"));
  auto first = failure(c);
  EXPECT_NE(first.find("AUTH refused"), std::string::npos) << first;
  EXPECT_NE(first.find("WRONGPASS"), std::string::npos) << first;
  EXPECT_EQ(first.find("wrong-pass"), std::string::npos) << first;
  EXPECT_EQ(first.find(kPassword), std::string::npos) << first;
  redis_connection admin(endpoint(":" + kPassword + "@"));
  auto attempts = [&] {
    auto info = admin.command({"INFO", "stats"}).str;
    auto at = info.find("total_connections_received:");
    return std::stoll(info.substr(at + 27));
  };
  auto before = attempts();
  auto second = failure(c);  // within the backoff: Redis is not asked
  EXPECT_NE(second.find("next attempt in"), std::string::npos) << second;
  EXPECT_EQ(attempts(), before);
}

TEST_F(RedisLoginTest, NoPasswordIsNamedAsTheReason) {
  redis_connection c(endpoint());
  auto message = failure(c);
  EXPECT_NE(message.find("NOAUTH"), std::string::npos) << message;
  EXPECT_NE(message.find("none is set"), std::string::npos) << message;
}

// A rotated Secret: the file changes in place and the next connect after the
// backoff logs in with the new password, without a restart.
TEST_F(RedisLoginTest, FollowsAPasswordFileRotatedInPlace) {
  auto path = ::testing::TempDir() + "eventbed-login-password";
  std::ofstream(path) << "stale-pass\n";
  auto ep = endpoint();
  ep.password_file = path;
  redis_connection c(ep);
  EXPECT_NE(failure(c).find("AUTH refused"), std::string::npos);
  std::ofstream(path) << kPassword << "\n";
  EXPECT_TRUE(eventually([&] { return failure(c).empty(); }, 5s, 50ms));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace eventbed
