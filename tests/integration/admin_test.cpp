// The admin port: probes, version, metrics, on a port of their own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/event_log.hpp"
#include "storage/redis_connection.hpp"
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
  EXPECT_EQ(res.header("Connection"), "close")
      << "a probe pinned to a draining process must reconnect (to a ready replica)";
  auto during = client.post(proc.url("/ingest"), R"({"type":"during-drain"})");
  EXPECT_EQ(during.status, 202) << "the public port keeps serving during the drain delay";
  EXPECT_EQ(during.header("Connection"), "close");
  EXPECT_EQ(proc.wait_exit(std::chrono::seconds(20)), 0);
}

TEST(AdminTest, NotReadyWhileTheProjectionReplaysTheLog) {
  redis_server redis{false};
  {
    redis_connection conn(parse_redis_endpoint(redis.endpoint()));
    event_log log(conn);
    for (int b = 0; b < 20; ++b) {
      std::vector<event> events;
      for (int i = 0; i < 1000; ++i)
        events.push_back(event{"", "t", "", "null", ""});
      for (int i = 0; i < 1000; ++i)
        events[i].id = "replay-" + std::to_string(b) + "-" + std::to_string(i);
      log.append(events);
    }
  }
  // Small reads make the replay take a while: readiness must wait for it.
  eventbed_process proc{redis.endpoint(), {"--roles", "query", "--projector-batch", "20"}};
  proc.start();
  http_client client(1000);
  http_result first;
  // Before the projector's first report the process answers "starting"; wait past that.
  ASSERT_TRUE(eventually(
      [&] {
        first = client.get(proc.admin_url("/readyz"));
        return first.status != 0 && first.body.find("not started") == std::string::npos;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(first.status, 503) << first.body;
  EXPECT_NE(first.body.find("replaying the log"), std::string::npos) << first.body;
  EXPECT_TRUE(proc.wait_ready(std::chrono::seconds(60))) << proc.log();
  EXPECT_EQ(client.get(proc.url("/events/replay-19-999")).status, 200);
}

}  // namespace
