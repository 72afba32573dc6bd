// /metrics of a real process under load: exact counters and a clean promtool lint.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/prometheus_text.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;

namespace {


std::string promtool_problems(const std::string& text);

TEST(MetricsTest, CountersMoveByExactlyTheEventsSentAndPromtoolAgrees) {
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;

  constexpr int singles = 37;
  constexpr int batch = 250;
  for (int i = 0; i < singles; ++i)
    ASSERT_EQ(client.post(proc.url("/ingest"), R"({"type":"m","data":)" + std::to_string(i) + "}")
                  .status,
              202);
  std::string body = "[";
  for (int i = 0; i < batch; ++i)
    body += std::string(i ? "," : "") + R"({"id":"mb-)" + std::to_string(i) + R"(","type":"m"})";
  body += "]";
  ASSERT_EQ(client.post(proc.url("/ingest"), body).status, 202);
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"id":"mb-0","type":"m"})").status, 202);
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"id":"rej","type":"eventbed.reject"})").status,
            202);
  ASSERT_EQ(client.post(proc.url("/ingest"), "{", "application/json").status, 400);
  ASSERT_FALSE(wait_for_status(client, proc, "rej", "failed").is_null());
  ASSERT_FALSE(wait_for_status(client, proc, "mb-249", "processed").is_null());

  const double events = singles + batch + 1;
  std::string text;
  ASSERT_TRUE(eventually(
      [&] {
        text = "\n" + client.get(proc.admin_url("/metrics")).body;
        return sample(text, "eventbed_events_processed_total") == events - 1;
      },
      std::chrono::seconds(10)))
      << text;
  EXPECT_EQ(sample(text, "eventbed_events_ingested_total"), events);
  EXPECT_EQ(sample(text, "eventbed_events_duplicate_total"), 1);
  // The ingest actors handled every event sent, the duplicate too; the batch counts its 250.
  EXPECT_EQ(sample(text, "eventbed_actor_events_total{actor=\"ingest\"}"), events + 1);
  EXPECT_EQ(sample(text, "eventbed_events_failed_total"), 1);
  EXPECT_EQ(sample(text, "eventbed_projection_entries_total"), 2 * events);
  EXPECT_EQ(sample(text, "http_server_request_duration_seconds_count{http_route=\"/ingest\","
                         "http_request_method=\"POST\",http_response_status_code=\"202\"}"),
            singles + 3);
  EXPECT_EQ(sample(text, "http_server_request_duration_seconds_count{http_route=\"/ingest\","
                         "http_request_method=\"POST\",http_response_status_code=\"400\"}"),
            1);
  // GET /events/{id} by its template, as OpenTelemetry's http.route has it (the polls above).
  EXPECT_GT(sample(text, "http_server_request_duration_seconds_count{http_route=\"/events/{id}\","
                         "http_request_method=\"GET\",http_response_status_code=\"200\"}"),
            0);
  EXPECT_GT(sample(text, "eventbed_actor_messages_total{actor=\"processor\"}"), 0);
  EXPECT_GT(sample(text, "process_resident_memory_bytes"), 1e6);
  EXPECT_NE(text.find("eventbed_build_info{"), std::string::npos);
  // Every request above went through one client, which kept its connection.
  EXPECT_EQ(sample(text, "eventbed_http_connections_accepted_total{server=\"public\"}"), 1);
  EXPECT_GE(sample(text, "eventbed_http_connections_accepted_total{server=\"admin\"}"), 1);

  EXPECT_EQ(promtool_problems(text.substr(1)), "");
}

// Every actor a serve process runs meters itself: CAF's count of running
// actors (eventbed_actors_running) is the sum of eventbed_actor_instances, and
// each kind has every per-actor series, a mailbox gauge per actor included.
// An actor started without its metrics makes the sum fall short.
TEST(MetricsTest, EveryActorTheProcessRunsHasItsSeries) {
  redis_server redis;
  http_client client;
  // The last: the embedded simulator's actors count too (a rate low enough
  // that its requests do not race the gateway counts below much).
  const std::vector<std::vector<std::string>> variants = {
      {"--roles", "ingest,process,query"}, {"--roles", "ingest"}, {"--roles", "process"}, {"--roles", "query"},
      {"--roles", "ingest,process,query", "--simulate-rate", "1"}};
  for (const auto& args : variants) {
    const std::string roles = args[1];
    const bool simulated = args.size() > 2;
    eventbed_process proc{redis.endpoint(), args};
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();  // its probes went through the admin gateway and health
    const bool queries = roles.find("query") != std::string::npos;
    for (int i = 0; queries && i < 3; ++i)
      ASSERT_EQ(client.get(proc.url("/stats")).status, 200);
    // Scraped until CAF's count and the metered one agree: an actor is
    // counted by CAF when spawned and metered once it runs, and the embedded
    // simulator spawns its actors once the process is ready.
    std::string text;
    std::map<std::string, int> instances;
    int sum = 0;
    const std::regex kind(R"re(\neventbed_actor_instances\{actor="([a-z_]+)"\} ([0-9]+))re");
    EXPECT_TRUE(eventually([&] {
      text = "\n" + client.get(proc.admin_url("/metrics")).body;
      instances.clear();
      sum = 0;
      for (std::sregex_iterator it(text.begin(), text.end(), kind), end; it != end; ++it)
        sum += instances[(*it)[1]] = std::stoi((*it)[2]);
      return sum == sample(text, "eventbed_actors_running") && (!simulated || instances["sim_http"] > 0);
    }, std::chrono::seconds(5))) << roles << ": " << sum << " metered\n" << text;
    for (const auto& [actor, n] : instances) {
      const std::string label = "{actor=\"" + actor + "\"}";
      for (const char* series : {"eventbed_actor_messages_total", "eventbed_actor_events_total",
                                 "eventbed_actor_processing_seconds_count", "eventbed_actor_failures_total"})
        EXPECT_GE(sample(text, series + label), 0) << roles << ": " << series << label;
      for (int i = 0; i < n; ++i)
        EXPECT_GE(sample(text, "eventbed_actor_mailbox_depth{actor=\"" + actor + "\",index=\"" + std::to_string(i) +
                                   "\"}"),
                  0)
            << roles << ": " << actor << " " << i;
    }
    if (simulated) {
      EXPECT_EQ(instances["simulator"], 1) << text;
      EXPECT_EQ(instances["simulator_report"], 1) << text;
      EXPECT_TRUE(eventually([&] {
        return sample("\n" + client.get(proc.admin_url("/metrics")).body,
                      R"(eventbed_actor_events_total{actor="sim_http"})") > 0;
      }, std::chrono::seconds(5))) << "the simulator's workers sent nothing";
    } else if (queries) {  // a request and its answer, whose rendering and sending are busy time too
      // The answer's busy time is recorded once it is sent, so just after the
      // client may have read it: the last one may still be on its way here.
      std::string now = text;
      EXPECT_TRUE(eventually([&] {
        now = "\n" + client.get(proc.admin_url("/metrics")).body;
        return sample(now, R"(eventbed_actor_processing_seconds_count{actor="public_gateway"})") == 6;
      }, std::chrono::seconds(5))) << roles << "\n" << now;
      EXPECT_EQ(sample(now, R"(eventbed_actor_messages_total{actor="public_gateway"})"), 6);
      EXPECT_EQ(sample(now, R"(eventbed_actor_events_total{actor="public_gateway"})"), 3);
    }
    for (const char* actor : {"health", "admin_gateway"}) {
      EXPECT_EQ(instances[actor], 1) << roles << ": " << actor;
      EXPECT_GT(sample(text, "eventbed_actor_messages_total{actor=\"" + std::string(actor) + "\"}"), 0) << roles;
    }
  }
}

// Lints `text` with promtool; "" when clean, else promtool's complaints.
std::string promtool_problems(const std::string& text) {
  char path[] = "/tmp/eventbed-metrics-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return "mkstemp failed";
  FILE* f = fdopen(fd, "w");
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  std::string out;
  FILE* lint = popen(("promtool check metrics < " + std::string(path) + " 2>&1").c_str(), "r");
  char buf[512];
  while (lint && fgets(buf, sizeof buf, lint))
    out += buf;
  int rc = lint ? pclose(lint) : -1;
  std::remove(path);
  return rc == 0 ? "" : (out.empty() ? "promtool failed" : out);
}

TEST(MetricsTest, EveryRoleAndTheSimulatorExposeLintCleanMetricsUnderLoad) {
  redis_server redis;
  eventbed_process front{redis.endpoint(), {"--roles", "ingest,query", "--simulate-rate", "200"}};
  eventbed_process worker{redis.endpoint(), {"--roles", "process"}};
  worker.start();
  front.start();
  ASSERT_TRUE(worker.wait_ready()) << worker.log();
  ASSERT_TRUE(front.wait_ready()) << front.log();
  http_client client;
  std::string text;
  ASSERT_TRUE(eventually(
      [&] {
        text = "\n" + client.get(front.admin_url("/metrics")).body;
        return sample(text, "sim_events_outcome_total{outcome=\"processed\"}") >= 100;
      },
      std::chrono::seconds(20)))
      << text;
  EXPECT_EQ(promtool_problems(text.substr(1)), "") << "ingest+query+simulator";
  auto processing = client.get(worker.admin_url("/metrics")).body;
  EXPECT_NE(processing.find("eventbed_events_processed_total"), std::string::npos);
  EXPECT_EQ(promtool_problems(processing), "") << "process role";
}

}  // namespace
