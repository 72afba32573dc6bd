// The admin port: probes, version, metrics, on a port of their own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/deadline.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

TEST(AdminTest, ProbesVersionAndMetricsAnswer) {
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  for (auto path : {"/livez", "/readyz", "/startupz"}) {
    auto res = client.get(proc.admin_url(path));
    EXPECT_EQ(res.status, 200) << path << " " << res.body;
    EXPECT_EQ(json::parse(res.body)["status"], "ok") << path;
  }
  auto version = json::parse(client.get(proc.admin_url("/version")).body);
  EXPECT_EQ(version["name"], "eventbed");
  auto metrics = client.get(proc.admin_url("/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("eventbed_build_info"), std::string::npos);
  EXPECT_EQ(client.get(proc.url("/readyz")).status, 404) << "probes live on the admin port only";
}

TEST(AdminTest, NotReadyWhileRedisIsDownAndReadyAgainAfter) {
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client(1000);
  redis.stop();
  json body;
  ASSERT_TRUE(eventually(
      [&] {
        auto res = client.get(proc.admin_url("/readyz"));
        body = json::parse(res.body, nullptr, false);
        return res.status == 503;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(body["status"], "failing");
  EXPECT_EQ(client.get(proc.admin_url("/livez")).status, 200) << "Redis down is not a reason to restart";
  redis.start();
  EXPECT_TRUE(proc.wait_ready(std::chrono::seconds(10)));
}

TEST(AdminTest, ReadinessTurnsFalseAtOnceOnSigterm) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--drain-delay-ms", "3000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client(1000);
  ::kill(proc.pid(), SIGTERM);
  http_result res;
  ASSERT_TRUE(eventually([&] { return (res = client.get(proc.admin_url("/readyz"))).status == 503; },
                         std::chrono::milliseconds(1000)));
  EXPECT_EQ(json::parse(res.body)["status"], "draining");
  EXPECT_EQ(client.post(proc.url("/ingest"), R"({"type":"during-drain"})").status, 202)
      << "the public port keeps serving during the drain delay";
  EXPECT_EQ(proc.wait_exit(std::chrono::seconds(20)), 0);
}

}  // namespace
