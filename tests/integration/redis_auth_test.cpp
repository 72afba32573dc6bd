// eventbed against a Redis that wants a password: the password file, a wrong
// password, a rotation, and the password never shown anywhere.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using namespace std::chrono_literals;

namespace {

const std::string kPassword = "hunter2-current";
const std::string kWrong = "hunter2-wrong";
const std::string kRotated = "hunter2-rotated";

class RedisAuthTest : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(password_file.c_str()); }

  void write_password(const std::string& password) { std::ofstream(password_file, std::ios::trunc) << password << "\n"; }

  // Everything the process shows: its log, /version, /metrics, /readyz.
  std::string shown(eventbed_process& proc) {
    http_client client(1000);
    return proc.log() + client.get(proc.admin_url("/version")).body + client.get(proc.admin_url("/metrics")).body +
           client.get(proc.admin_url("/readyz")).body;
  }
  static bool shows_a_password(const std::string& text) {
    for (const auto& p : {kPassword, kWrong, kRotated})
      if (text.find(p) != std::string::npos)
        return true;
    return false;
  }

  redis_server redis{redis_server_options{false, kPassword, 0}};
  std::string password_file = ::testing::TempDir() + "eventbed-redis-auth-" + std::to_string(redis.port());
};

// A wrong password: not ready, the reason named in /readyz and in the log;
// the mounted file corrected in place: ready, without a restart.
TEST_F(RedisAuthTest, AWrongPasswordIsNotReadyNamingWhyUntilTheFileIsRight) {
  write_password(kWrong);
  eventbed_process proc{"redis://" + redis.endpoint(), {"--redis-password-file", password_file}};
  proc.start();
  http_client client(1000);
  std::string body;
  ASSERT_TRUE(eventually(
      [&] {
        auto res = client.get(proc.admin_url("/readyz"));
        body = res.body;
        return res.status == 503 && body.find("AUTH refused") != std::string::npos;
      },
      15s, 50ms))
      << body;
  EXPECT_TRUE(proc.running()) << "a wrong password is retried, not a crash";
  EXPECT_NE(proc.log().find("AUTH refused"), std::string::npos);
  write_password(kPassword);
  EXPECT_TRUE(proc.wait_ready(20s)) << proc.log();
  EXPECT_FALSE(shows_a_password(shown(proc)));
  EXPECT_EQ(proc.stop(), 0);
}

// A rotation: Redis takes a new password and drops its clients; eventbed is
// not ready until the Secret (the file) has the new one, then ready again.
TEST_F(RedisAuthTest, FollowsARotation) {
  write_password(kPassword);
  eventbed_process proc{"redis://" + redis.endpoint(), {"--redis-password-file", password_file}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  {
    redis_connection admin(parse_redis_endpoint("redis://:" + kPassword + "@" + redis.endpoint()));
    ASSERT_EQ(admin.command({"CONFIG", "SET", "requirepass", kRotated}).str, "OK");
    admin.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  }
  http_client client(1000);
  ASSERT_TRUE(eventually([&] { return client.get(proc.admin_url("/readyz")).status == 503; }, 15s, 50ms));
  write_password(kRotated);
  EXPECT_TRUE(proc.wait_ready(20s)) << proc.log();
  EXPECT_FALSE(shows_a_password(shown(proc)));
  EXPECT_EQ(proc.stop(), 0);
}

// A password in the URL works and is shown as *** in the start line.
TEST_F(RedisAuthTest, APasswordInTheUrlIsNeverShown) {
  eventbed_process proc{"redis://default:" + kPassword + "@" + redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  EXPECT_EQ(client.post(proc.url("/ingest"), R"({"type":"t","data":{}})").status, 202);
  auto text = shown(proc);
  EXPECT_FALSE(shows_a_password(text)) << text;
  EXPECT_NE(proc.log().find("redis://default:***@"), std::string::npos) << proc.log();
  EXPECT_EQ(proc.stop(), 0);
}

}  // namespace
