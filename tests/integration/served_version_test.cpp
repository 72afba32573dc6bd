// Every answer of the real binary names the build that served it
// (Eventbed-Version, common/served_version.hpp): both ports, successes,
// errors, 404s, refused bytes and the 503s of an outage, with and without
// --release-label; and the simulator, run as users run it, splits its
// report by that header.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "tests/support/command.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_connection.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Every kind of answer the two ports give, each named by what it is.
std::vector<std::pair<std::string, http_result>> every_kind_of_answer(const eventbed_process& proc,
                                                                      redis_server& redis) {
  http_client client;
  std::vector<std::pair<std::string, http_result>> out = {
      {"202 ingest", client.post(proc.url("/ingest"), R"({"type":"order.created","data":{}})")},
      {"400 bad event", client.post(proc.url("/ingest"), R"({"type":)")},
      {"415 content type", client.post(proc.url("/ingest"), "x", "text/plain")},
      {"404 unknown event", client.get(proc.url("/events/nope"))},
      {"404 no route", client.get(proc.url("/nowhere"))},
      {"405", client.get(proc.url("/ingest"))},
      {"200 stats", client.get(proc.url("/stats"))},
      {"200 openapi", client.get(proc.url("/openapi.json"))},
      {"admin livez", client.get(proc.admin_url("/livez"))},
      {"admin readyz", client.get(proc.admin_url("/readyz"))},
      {"admin startupz", client.get(proc.admin_url("/startupz"))},
      {"admin version", client.get(proc.admin_url("/version"))},
      {"admin metrics", client.get(proc.admin_url("/metrics"))},
      {"admin 404", client.get(proc.admin_url("/ingest"))}};
  redis.stop();
  out.emplace_back("503 redis unavailable", client.post(proc.url("/ingest"), R"({"type":"t"})"));
  out.emplace_back("admin readyz, Redis down", client.get(proc.admin_url("/readyz")));
  return out;
}

void expect_every_answer_names(const std::string& expected, const eventbed_process& proc, redis_server& redis) {
  for (const auto& [what, res] : every_kind_of_answer(proc, redis)) {
    EXPECT_NE(res.status, 0) << what;
    EXPECT_EQ(res.header("Eventbed-Version"), expected) << what << " answered " << res.status;
  }
  raw_connection garbage(proc.port());
  ASSERT_TRUE(garbage.send("\x16\x03\x01 not http\r\n\r\n"));
  auto refused = garbage.read(3s);
  ASSERT_TRUE(refused.answered);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.header("Eventbed-Version"), expected) << "bytes refused before any route";
}

TEST(ServedVersionTest, EveryAnswerOfBothPortsNamesTheVersionAndTheReleaseLabel) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--release-label", "canary", "--request-timeout-ms", "1000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  auto version = json::parse(client.get(proc.admin_url("/version")).body);
  EXPECT_EQ(version["release_label"], "canary");
  EXPECT_EQ(version["served_version"], std::string(EVENTBED_VERSION) + "+canary");
  auto metrics = client.get(proc.admin_url("/metrics")).body;
  EXPECT_NE(metrics.find("served_version=\"" EVENTBED_VERSION "+canary\""), std::string::npos)
      << "eventbed_build_info names the served version, so dashboards tell releases apart";
  expect_every_answer_names(std::string(EVENTBED_VERSION) + "+canary", proc, redis);
}

TEST(ServedVersionTest, WithoutALabelTheHeaderIsTheVersion) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--request-timeout-ms", "1000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  expect_every_answer_names(EVENTBED_VERSION, proc, redis);
}

TEST(ServedVersionTest, ALabelThatIsNotABuildIdentifierIsRefusedAtStartup) {
  auto r = run_command({EVENTBED_BINARY, "serve", "--release-label", "blue green"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--release-label"), std::string::npos) << r.output;
}

// `eventbed simulate` against a release labelled green: its report and its
// summary split the requests by the version that answered.
TEST(ServedVersionTest, TheSimulatorSplitsItsReportByServedVersion) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--release-label", "green"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  std::string cmd = std::string(EVENTBED_BINARY) + " simulate --ingest " + proc.url("") + " --probe ready=" +
                    proc.admin_url("/readyz") + " --rate 40 --duration 1s --admin-port 0 --progress never" +
                    " --report - 2>/dev/null";
  auto r = run_command({"sh", "-c", cmd}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto report = json::parse(r.output, nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.output;
  ASSERT_EQ(report["versions"].size(), 1u) << report["versions"].dump();
  const auto& green = report["versions"][0];
  EXPECT_EQ(green["version"], std::string(EVENTBED_VERSION) + "+green");
  EXPECT_EQ(green["events_accepted"], report["accepted"]);
  EXPECT_GT(green["kinds"]["ingest"]["requests"].get<int>(), 0);
  EXPECT_GT(green["kinds"]["query"]["requests"].get<int>(), 0);
  EXPECT_GT(green["kinds"]["probe"]["requests"].get<int>(), 0);
  EXPECT_EQ(green["errors"], 0);
}

}  // namespace
