// SIGTERM under load: every request is answered, every 202 is in the log, exit 0.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/event_log.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

TEST(ShutdownTest, SigtermUnderLoadAnswersEveryRequestAndLosesNothing) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--drain-delay-ms", "300"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();

  constexpr int clients = 8;
  constexpr int max_requests_each = 5000;  // bounds the test if shutdown never happens
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::mutex mu;
  std::set<std::string> accepted;
  std::vector<std::string> broken;  // requests that got no HTTP answer while the port was open
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      http_client client(10000);
      for (int i = 0; i < max_requests_each && !stop; ++i) {
        std::string id = "sd-" + std::to_string(c) + "-" + std::to_string(i);
        auto res = client.post(proc.url("/ingest"), R"({"id":")" + id + R"(","type":"load"})");
        ++sent;
        std::lock_guard<std::mutex> lock(mu);
        if (res.status == 202) {
          accepted.insert(id);
        } else if (res.status == 0) {
          // After the port closed, connecting fails: that is the end of this client, not a loss.
          if (res.error.find("connect") == std::string::npos)
            broken.push_back(id + ": " + res.error);
          return;
        } else if (res.status != 503) {
          broken.push_back(id + ": status " + std::to_string(res.status));
        }
      }
    });
  }
  // Bounded: if the server died early, fail here instead of spinning forever.
  ASSERT_TRUE(eventually([&] { return sent >= 500; }, std::chrono::seconds(30))) << proc.log();
  ::kill(proc.pid(), SIGTERM);
  int code = proc.wait_exit(std::chrono::seconds(30));
  stop = true;
  for (auto& t : threads)
    t.join();

  EXPECT_EQ(code, 0) << proc.log();
  EXPECT_TRUE(broken.empty()) << broken.size() << " requests without an answer, e.g. "
                              << (broken.empty() ? "" : broken.front());
  auto ids = logged_ids(redis.endpoint());
  std::set<std::string> logged(ids.begin(), ids.end());
  size_t missing = 0;
  for (const auto& id : accepted)
    missing += logged.count(id) ? 0 : 1;
  EXPECT_GT(accepted.size(), 500u);
  EXPECT_EQ(missing, 0u) << "accepted events missing from the log";
}

TEST(ShutdownTest, ProcessorsAckTheirBatchBeforeExiting) {
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  std::string batch = "[";
  for (int i = 0; i < 500; ++i)
    batch += std::string(i ? "," : "") + R"({"type":"t","data":)" + std::to_string(i) + "}";
  batch += "]";
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(client.post(proc.url("/ingest"), batch).status, 202);
  EXPECT_EQ(proc.stop(), 0) << proc.log();
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  auto pending = conn.command({"XPENDING", "eventbed:events", "processors"});
  ASSERT_FALSE(pending.elements.empty());
  EXPECT_EQ(pending.elements[0].integer, 0) << "entries left pending by a clean shutdown";
}

}  // namespace
