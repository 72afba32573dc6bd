// eventbed through Redis Sentinel under load while the primary fails:
// real redis-server primary and replica, real redis-sentinel processes, the
// real binary, real HTTP. With --ack-replicas 1, no event answered 202 is lost
// or logged twice; every request is answered (none hangs), and every one that
// could not be written during the switch is a 503 with Retry-After. And a
// failover that leaves the old primary up moves ingest on +switch-master.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/event_log.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

// One client posting events with its own ids, one at a time, until stopped.
class load {
 public:
  explicit load(std::string url) : url_(std::move(url)), thread_([this] { run(); }) {}
  ~load() { stop(); }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }
  size_t accepted() const { return accepted_count_; }

  std::vector<std::string> accepted_ids;
  std::map<std::string, size_t> outcomes;  // "202", "503", "503 without Retry-After", curl failures
  clock_type::time_point first_failure{}, last_failure{};

 private:
  void run() {
    http_client client(10000);  // far past the server's 2 s: a hang would show as a timeout
    for (int n = 0; running_; ++n) {
      auto id = "failover-" + std::to_string(n);
      auto res = client.post(url_, R"({"id":")" + id + R"(","type":"t","data":{"n":)" + std::to_string(n) + "}}");
      std::string outcome = res.status != 0 ? std::to_string(res.status) : res.failure();
      if (res.status == 503 && res.header("Retry-After").empty())
        outcome += " without Retry-After";
      ++outcomes[outcome];
      if (res.status == 202) {
        accepted_ids.push_back(id);
        ++accepted_count_;
      } else {
        auto now = clock_type::now();
        if (first_failure == clock_type::time_point{}) first_failure = now;
        last_failure = now;
        std::this_thread::sleep_for(20ms);  // as a client honouring Retry-After would, briefly
      }
    }
  }

  std::string url_;
  std::atomic<bool> running_{true};
  std::atomic<size_t> accepted_count_{0};
  std::thread thread_;
};

// A primary, its replica and two Sentinels that see the replica in sync.
class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(eventually([&] { return s1.replicas_in_sync() == 1 && s2.replicas_in_sync() == 1; }, 20s, 50ms));
  }

  redis_server primary;
  redis_server replica{redis_server_options{true, "", primary.port()}};
  redis_sentinel s1{redis_sentinel_options{primary.port()}};
  redis_sentinel s2{redis_sentinel_options{primary.port()}};
  const std::string url = sentinel_url("eventbed", s1, s2);
};

TEST_F(FailoverTest, NoAcknowledgedEventIsLostWhenThePrimaryDies) {
  eventbed_process proc{url, {"--ack-replicas", "1", "--request-timeout-ms", "2000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready(30s)) << proc.log();

  load client(proc.url("/ingest"));
  ASSERT_TRUE(eventually([&] { return client.accepted() >= 100; }, 20s, 10ms));
  auto killed_at = clock_type::now();
  primary.kill();
  ASSERT_TRUE(eventually([&] { return s1.primary_port() == replica.port(); }, 30s, 20ms))
      << "the Sentinels never promoted the replica";
  // Writes go on: WAIT 1 needs a replica again, so the old primary comes back as one.
  primary.start();
  auto resumed = client.accepted();
  EXPECT_TRUE(eventually([&] { return client.accepted() >= resumed + 100; }, 60s, 20ms)) << proc.log();
  client.stop();

  auto logged = logged_ids(url);
  std::multiset<std::string> in_log(logged.begin(), logged.end());
  size_t lost = 0;
  for (const auto& id : client.accepted_ids) {
    EXPECT_LE(in_log.count(id), 1u) << id << " logged twice";
    lost += in_log.count(id) == 0 ? 1 : 0;
  }
  EXPECT_EQ(lost, 0u) << "of " << client.accepted_ids.size() << " events answered 202";
  for (const auto& [outcome, n] : client.outcomes)
    EXPECT_TRUE(outcome == "202" || outcome == "503") << n << " x " << outcome;
  double downtime = client.first_failure == clock_type::time_point{}
                        ? 0
                        : std::chrono::duration<double>(client.last_failure - killed_at).count();
  ::testing::Test::RecordProperty("accepted", static_cast<int>(client.accepted_ids.size()));
  ::testing::Test::RecordProperty("downtime_ms", static_cast<int>(downtime * 1000));
  std::cout << "failover: " << client.accepted_ids.size() << " accepted, " << client.outcomes["503"]
            << " x 503, writes failing for " << downtime << " s after the SIGKILL\n";
  EXPECT_EQ(proc.stop(), 0);
}

// SENTINEL FAILOVER leaves the old primary up, a primary still until the
// Sentinels demote it: nothing fails, so only +switch-master (storage/
// primary_watch) tells eventbed to move. The next event goes to the new one.
TEST_F(FailoverTest, AFailoverThatLeavesTheOldPrimaryUpMovesIngestOnTheAnnouncement) {
  eventbed_process proc{url, {"--request-timeout-ms", "2000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready(30s)) << proc.log();
  http_client client(10000);
  auto post = [&](const std::string& id) {
    return client.post(proc.url("/ingest"), R"({"id":")" + id + R"(","type":"t","data":{}})").status;
  };
  ASSERT_EQ(post("before"), 202);

  redis_endpoint at_s1;
  at_s1.port = s1.port();
  ASSERT_EQ(redis_connection(at_s1).command({"SENTINEL", "FAILOVER", "eventbed"}).str, "OK");
  auto announced = "new primary for eventbed: 127.0.0.1:" + std::to_string(replica.port());
  ASSERT_TRUE(eventually([&] { return proc.log().find(announced) != std::string::npos; }, 30s, 20ms))
      << proc.log();
  ASSERT_EQ(post("after"), 202);

  auto logged = logged_ids(url);
  std::set<std::string> in_log(logged.begin(), logged.end());
  EXPECT_EQ(in_log.count("before"), 1u);
  EXPECT_EQ(in_log.count("after"), 1u) << "written to the old primary after the switch";
  EXPECT_EQ(proc.stop(), 0);
}

}  // namespace
