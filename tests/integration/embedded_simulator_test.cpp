// serve --simulate-rate: the simulator inside the process, measuring itself.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/deadline.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/prometheus_text.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;

namespace {

bool maps_libcurl(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find("libcurl") != std::string::npos;
}

TEST(EmbeddedSimulatorTest, MeasuresItsOwnProcessAndLogsTheSummaryOnShutdown) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--simulate-rate", "100", "--drain-delay-ms", "1000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  std::string metrics;
  ASSERT_TRUE(eventually(
      [&] {
        metrics = "\n" + client.get(proc.admin_url("/metrics")).body;
        return sample(metrics, "sim_events_outcome_total{outcome=\"processed\"}") >= 50;
      },
      std::chrono::seconds(15)))
      << metrics;
  EXPECT_EQ(sample(metrics, "sim_events_outcome_total{outcome=\"lost\"}"), 0);
  EXPECT_EQ(sample(metrics, "sim_downtime_seconds_total{target_service=\"self\",reason=\"health\"}"), 0)
      << "the simulator must not start probing before the process is ready";
  EXPECT_EQ(proc.stop(), 0);
  auto log = proc.log();
  auto at = log.find("run ended:");
  ASSERT_NE(at, std::string::npos) << log;
  auto line = log.substr(at, log.find('\n', at) - at);
  EXPECT_NE(line.find("lost 0,"), std::string::npos) << line;
  EXPECT_NE(line.find("SLOs met"), std::string::npos) << line;
}

// libcurl and its twenty-odd libraries cost an idle process 4.5 MB of RSS:
// only a process that runs the simulator loads them (curl_library.hpp).
TEST(EmbeddedSimulatorTest, OnlyAProcessThatSimulatesLoadsLibcurl) {
  redis_server redis;
  eventbed_process plain{redis.endpoint()};
  eventbed_process simulating{redis.endpoint(), {"--simulate-rate", "10"}};
  plain.start();
  simulating.start();
  ASSERT_TRUE(plain.wait_ready()) << plain.log();
  ASSERT_TRUE(simulating.wait_ready()) << simulating.log();
  // The embedded simulator starts once its process is ready.
  EXPECT_TRUE(eventually([&] { return maps_libcurl(simulating.pid()); }, std::chrono::seconds(10)));
  EXPECT_FALSE(maps_libcurl(plain.pid()));
}

TEST(EmbeddedSimulatorTest, NeedsTheIngestAndQueryRoles) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--roles", "process", "--simulate-rate", "10"}};
  proc.start();
  EXPECT_EQ(proc.wait_exit(std::chrono::seconds(10)), 2);
  EXPECT_NE(proc.log().find("--simulate-rate needs the ingest and query roles"), std::string::npos);
}

}  // namespace
