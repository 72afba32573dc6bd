// A processor actor against a real redis-server: outcomes plus acks in one
// transaction, retries up to the delivery limit, takeover of stale entries,
// read-back of its own pending entries at startup and after a lost connection.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "actors/pipeline/handlers/builtin.hpp"
#include "actors/pipeline/health.hpp"
#include "actors/pipeline/processor.hpp"
#include "common/metrics.hpp"
#include "storage/event_log.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/client_events.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;

namespace {

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { log.ensure_group(); }
  void TearDown() override {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  void append(const std::string& id, const std::string& type) {
    log.append({with_client_id(event{id, type, "", "{\"v\":1}", ""})});
  }

  void spawn(processor_settings s) {
    s.redis = parse_redis_endpoint(redis.endpoint());
    auto handlers = std::make_shared<const handler_registry>(builtin_handlers());
    spawned.push_back(caf::actor_cast<caf::actor>(
        spawn_processor(sys, s, handlers, spawn_health(sys, {}))));
  }

  // The outcomes stream as event id -> (status, attempts), read directly from Redis.
  std::map<std::string, std::pair<std::string, std::string>> outcomes() {
    std::map<std::string, std::pair<std::string, std::string>> out;
    auto entries = conn.command({"XRANGE", "eventbed:outcomes", "-", "+"});
    for (const auto& e : entries.elements) {
      std::map<std::string, std::string> f;
      const auto& kv = e.elements[1].elements;
      for (size_t i = 0; i + 1 < kv.size(); i += 2)
        f[kv[i].str] = kv[i + 1].str;
      out[f["id"]] = {f["status"], f["attempts"]};
    }
    return out;
  }

  long long blocked_clients() {
    auto info = conn.command({"INFO", "clients"}).str;
    return std::stoll(info.substr(info.find("blocked_clients:") + 16));
  }

  long long pending() {
    return conn.command({"XPENDING", "eventbed:events", "processors"}).elements[0].integer;
  }

  redis_server redis{false};
  redis_connection conn{parse_redis_endpoint(redis.endpoint())};
  event_log log{conn};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<caf::actor> spawned;
};

TEST_F(ProcessorTest, ProcessesAndAcknowledgesEveryEvent) {
  for (int i = 0; i < 300; ++i)
    append("e" + std::to_string(i), "t");
  spawn({{}, "p-0", 64});
  ASSERT_TRUE(eventually([&] { return outcomes().size() == 300; }, std::chrono::seconds(10)));
  EXPECT_EQ(outcomes()["e7"], std::make_pair(std::string("processed"), std::string("1")));
  EXPECT_EQ(pending(), 0);
}

TEST_F(ProcessorTest, AnIdleProcessorPicksUpANewEventWhileItsReadBlocks) {
  spawn({{}, "p-0", 64});
  // Idle: its XREADGROUP waits on the server for new entries.
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, std::chrono::seconds(10)));
  append("late", "t");
  ASSERT_TRUE(eventually([&] { return outcomes().count("late") == 1; }, std::chrono::seconds(5)));
  EXPECT_EQ(pending(), 0);
}

// The processor's series (common/actor_metrics.hpp, event_processing_metrics.hpp).
uint64_t processor_counter(const char* name) {
  return metrics::global().add_counter(name, "", {{"actor", "processor"}}).value();
}
metrics::histogram::snapshot histogram_of(const char* name, metrics::labels l) {
  return metrics::global().add_histogram(name, "", metrics::latency_buckets(), std::move(l)).read();
}

TEST_F(ProcessorTest, ItsMetricsCountEventsNotPollsAndItsIdleWaitIsNotBusy) {
  auto polls = [] { return processor_counter("eventbed_actor_messages_total"); };
  auto busy = [] { return histogram_of("eventbed_actor_processing_seconds", {{"actor", "processor"}}); };
  spawn({{}, "p-0", 64});
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, std::chrono::seconds(10)));
  // Idle for at least two blocking reads (up to a second each).
  auto idle_from = std::chrono::steady_clock::now();
  auto polls_before = polls();
  auto busy_before = busy();
  ASSERT_TRUE(eventually([&] { return polls() >= polls_before + 2; }, std::chrono::seconds(10)));
  double idle = std::chrono::duration<double>(std::chrono::steady_clock::now() - idle_from).count();
  EXPECT_LT(busy().sum - busy_before.sum, 0.25 * idle) << "the blocking read counted as busy";

  auto events_before = processor_counter("eventbed_actor_events_total");
  auto timed_before = histogram_of("eventbed_event_processing_seconds", {{"type", "metrics.t"}});
  for (int i = 0; i < 300; ++i)
    append("m" + std::to_string(i), "metrics.t");
  ASSERT_TRUE(eventually([&] { return outcomes().size() == 300; }, std::chrono::seconds(10)));
  EXPECT_EQ(processor_counter("eventbed_actor_events_total") - events_before, 300u);
  // Observed once the outcomes' round trip has returned, a moment after Redis shows them.
  auto timed = [&] {
    return histogram_of("eventbed_event_processing_seconds", {{"type", "metrics.t"}}).cumulative.back() -
           timed_before.cumulative.back();
  };
  EXPECT_TRUE(eventually([&] { return timed() >= 300; }, std::chrono::seconds(5)));
  EXPECT_EQ(timed(), 300u) << "one observation per written outcome";
}

TEST_F(ProcessorTest, RetriesUntilTheDeliveryLimitThenFails) {
  append("bad", "eventbed.poison");
  append("good", "t");
  processor_settings s;
  s.consumer = "p-0";
  s.batch = 16;
  s.max_deliveries = 3;
  s.claim_idle = std::chrono::milliseconds(100);
  spawn(s);
  ASSERT_TRUE(eventually([&] { return outcomes().count("bad") == 1; }, std::chrono::seconds(15)));
  EXPECT_EQ(outcomes()["bad"], std::make_pair(std::string("failed"), std::string("3")));
  EXPECT_EQ(outcomes()["good"].first, "processed");
  EXPECT_EQ(pending(), 0);
}

TEST_F(ProcessorTest, TakesOverEntriesPendingAtADeadConsumer) {
  for (int i = 0; i < 10; ++i)
    append("s" + std::to_string(i), "t");
  ASSERT_EQ(log.read_group("dead-consumer", 100, std::chrono::milliseconds(10)).size(), 10u);
  spawn({{}, "p-0", 16, 5, std::chrono::milliseconds(200)});
  ASSERT_TRUE(eventually([&] { return outcomes().size() == 10; }, std::chrono::seconds(10)));
  EXPECT_EQ(outcomes()["s3"], std::make_pair(std::string("processed"), std::string("2")));
  EXPECT_EQ(pending(), 0);
}

TEST_F(ProcessorTest, ReadsBackItsOwnPendingEntriesAtStartupWithoutWaitingForClaimIdle) {
  for (int i = 0; i < 10; ++i)
    append("o" + std::to_string(i), "t");
  append("bad", "eventbed.poison");
  // Handed to p-0 in a previous life: pending at p-0, delivered once.
  ASSERT_EQ(log.read_group("p-0", 100, std::chrono::milliseconds(10)).size(), 11u);
  spawn({{}, "p-0", 4, 2, std::chrono::seconds(60)});  // pages of 4; no takeover for a minute
  ASSERT_TRUE(eventually([&] { return outcomes().size() == 11; }, std::chrono::seconds(10)));
  EXPECT_EQ(outcomes()["o9"], std::make_pair(std::string("processed"), std::string("2")));
  // The read-back counts as a delivery, so the limit (2) still holds.
  EXPECT_EQ(outcomes()["bad"], std::make_pair(std::string("failed"), std::string("2")));
  EXPECT_EQ(pending(), 0);
}

TEST_F(ProcessorTest, ReadsBackItsOwnPendingEntriesAfterItsConnectionIsKilled) {
  for (int i = 0; i < 60; ++i)
    append("k" + std::to_string(i), "t");
  processor_settings s;
  s.consumer = "p-0";
  s.batch = 10;
  s.max_deliveries = 5;
  s.claim_idle = std::chrono::seconds(60);
  s.faults.process_latency = parse_latency_range("20");  // 200 ms per batch
  spawn(s);
  ASSERT_TRUE(eventually([&] { return pending() > 0; }, std::chrono::seconds(10)));
  // Mid-batch: its complete() fails and it reconnects with entries pending at it.
  ASSERT_GE(conn.command({"CLIENT", "KILL", "TYPE", "normal"}).integer, 1);
  ASSERT_TRUE(eventually([&] { return outcomes().size() == 60; }, std::chrono::seconds(15)))
      << outcomes().size() << " of 60 processed; claim_idle is 60 s";
  int read_back = 0;
  for (const auto& [id, out] : outcomes())
    read_back += out.second == "2" ? 1 : 0;
  EXPECT_GT(read_back, 0) << "no event shows the delivery of the read-back";
  EXPECT_EQ(pending(), 0);
}

}  // namespace
