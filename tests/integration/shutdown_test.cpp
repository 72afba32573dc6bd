// SIGTERM under load: every request is answered, every 202 is in the log, exit 0.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
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

// A scale-down's SIGTERM landing while a processor is in the middle of a
// batch: the batch is finished and acknowledged, no new one is started, the
// log says so, and a successor processes the rest, each event exactly once.
TEST(ShutdownTest, ASigtermMidBatchFinishesTheBatchStartsNoOtherAndSaysSo) {
  redis_server redis;
  // One processor, batches of 20 taking 100 ms an event: 2 s in hand each.
  const std::vector<std::string> slow = {"--processors", "1", "--process-batch", "20",
                                         "--process-latency-ms", "100", "--drain-delay-ms", "0"};
  eventbed_process first{redis.endpoint(), slow};
  first.start();
  ASSERT_TRUE(first.wait_ready()) << first.log();
  http_client client;
  std::string batch = "[";
  for (int i = 0; i < 60; ++i)
    batch += std::string(i ? "," : "") + R"({"id":"mid-)" + std::to_string(i) + R"(","type":"t"})";
  ASSERT_EQ(client.post(first.url("/ingest"), batch + "]").status, 202);

  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  auto pending = [&] {
    auto reply = conn.command({"XPENDING", "eventbed:events", "processors"});
    return reply.elements.empty() ? 0LL : reply.elements[0].integer;
  };
  ASSERT_TRUE(eventually([&] { return pending() == 20; }, std::chrono::seconds(15))) << "no batch in hand";
  // Before it, the processor may have taken a batch of the first entries alone.
  auto done_before = logged_ids(redis.endpoint(), "eventbed:outcomes").size();
  ::kill(first.pid(), SIGTERM);
  ASSERT_EQ(first.wait_exit(std::chrono::seconds(30)), 0) << first.log();

  EXPECT_EQ(pending(), 0) << "the batch in hand was acknowledged";
  EXPECT_EQ(logged_ids(redis.endpoint(), "eventbed:outcomes").size(), done_before + 20)
      << "the batch in hand was finished, and no other was started after the stop";
  auto log = first.log();
  auto at = log.find("stop requested mid-batch: ");
  ASSERT_NE(at, std::string::npos) << log;
  unsigned to_run = 0, of = 0, written = 0, left = 0;
  ASSERT_EQ(std::sscanf(log.c_str() + at,
                        "stop requested mid-batch: %u of %u entries still to run; finished: %u outcomes "
                        "written and acknowledged, %u left pending",
                        &to_run, &of, &written, &left),
            4)
      << log.substr(at, 200);
  EXPECT_GE(to_run, 1u) << "the stop landed before the batch's last handler";
  EXPECT_EQ(of, 20u);
  EXPECT_EQ(written, 20u);
  EXPECT_EQ(left, 0u);

  eventbed_process successor{redis.endpoint(), {"--processors", "2", "--process-batch", "20"}};
  successor.start();
  ASSERT_TRUE(successor.wait_ready()) << successor.log();
  ASSERT_TRUE(eventually([&] { return logged_ids(redis.endpoint(), "eventbed:outcomes").size() >= 60; },
                         std::chrono::seconds(30)))
      << successor.log();
  EXPECT_EQ(successor.stop(), 0) << successor.log();
  auto outcomes = logged_ids(redis.endpoint(), "eventbed:outcomes");
  std::set<std::string> once(outcomes.begin(), outcomes.end());
  EXPECT_EQ(outcomes.size(), 60u) << "no event was processed twice";
  EXPECT_EQ(once.size(), 60u) << "every event was processed";
}

}  // namespace
