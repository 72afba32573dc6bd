// Crashes and rebuilds: takeover of a dead consumer's entries (and none of a
// slow but live one's), and a projection rebuilt from the log that equals the
// original row for row.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "storage/projection_dump.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/prometheus_text.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

std::vector<std::string> ingest_batch_of(http_client& client, const eventbed_process& proc,
                                         const std::string& prefix, int n) {
  std::string body = "[";
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(prefix + std::to_string(i));
    body += std::string(i ? "," : "") + R"({"id":")" + ids.back() + R"(","type":"t","data":{"i":)" +
            std::to_string(i) + "}}";
  }
  body += "]";
  auto res = client.post(proc.url("/ingest"), body);
  EXPECT_EQ(res.status, 202) << res.body;
  return ids;
}

TEST(RecoveryTest, EntriesOfAProcessorKilledMidBatchAreTakenOverByAnother) {
  redis_server redis;
  // Ingest and query without processors, so the entries wait for the consumer we crash.
  eventbed_process front{redis.endpoint(), {"--roles", "ingest,query"}};
  front.start();
  ASSERT_TRUE(front.wait_ready()) << front.log();
  http_client client;
  auto ids = ingest_batch_of(client, front, "k-", 40);

  // The victim reads the batch, then works slowly (50 ms per event): kill it mid-batch.
  eventbed_process victim{redis.endpoint(), {"--roles", "process", "--processors", "1",
                                             "--process-latency-ms", "50",
                                             "--claim-idle-ms", "600000"}};
  victim.start();
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  auto pending_count = [&] {
    auto reply = conn.command({"XPENDING", "eventbed:events", "processors"});
    return reply.elements.empty() ? 0LL : reply.elements[0].integer;
  };
  ASSERT_TRUE(eventually([&] { return pending_count() > 0; }, std::chrono::seconds(15)))
      << victim.log();
  victim.kill();
  ASSERT_GT(pending_count(), 0) << "the crash left nothing pending";

  eventbed_process rescuer{redis.endpoint(), {"--roles", "process", "--claim-idle-ms", "300"}};
  rescuer.start();
  ASSERT_TRUE(rescuer.wait_ready()) << rescuer.log();
  int taken_over = 0;
  for (const auto& id : ids) {
    auto ev = wait_for_status(client, front, id, "processed");
    ASSERT_FALSE(ev.is_null()) << id << "\n" << rescuer.log();
    taken_over += ev["attempts"].get<int>() == 2 ? 1 : 0;
  }
  EXPECT_GT(taken_over, 0) << "no event shows the second delivery of a takeover";
  EXPECT_EQ(pending_count(), 0);
}

TEST(RecoveryTest, ABatchSlowerThanClaimIdleIsNotTakenOverByAnotherProcessor) {
  redis_server redis;
  eventbed_process front{redis.endpoint(), {"--roles", "ingest"}};
  // A batch of 4 takes 1.2 s, more than twice the claim idle time.
  std::vector<std::string> slow{"--roles", "process", "--processors", "1", "--process-batch", "4",
                                "--process-latency-ms", "300-300", "--claim-idle-ms", "500"};
  eventbed_process a{redis.endpoint(), slow}, b{redis.endpoint(), slow};
  for (auto* p : {&front, &a, &b})
    p->start();
  for (auto* p : {&front, &a, &b})
    ASSERT_TRUE(p->wait_ready()) << p->log();
  http_client client;
  auto ids = ingest_batch_of(client, front, "slow-", 24);

  // Outcomes per event id, straight from the log.
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  std::map<std::string, std::vector<std::string>> attempts;
  auto read_outcomes = [&] {
    attempts.clear();
    for (const auto& e : conn.command({"XRANGE", "eventbed:outcomes", "-", "+"}).elements) {
      const auto& kv = e.elements[1].elements;
      std::string id, n;
      for (size_t i = 0; i + 1 < kv.size(); i += 2) {
        if (kv[i].str == "id") id = kv[i + 1].str;
        if (kv[i].str == "attempts") n = kv[i + 1].str;
      }
      attempts[id].push_back(n);
    }
    return attempts.size() == ids.size();
  };
  ASSERT_TRUE(eventually(read_outcomes, std::chrono::seconds(30))) << attempts.size() << " of 24";
  for (const auto& id : ids)
    EXPECT_EQ(attempts[id], std::vector<std::string>{"1"}) << id << ": one outcome, first delivery";
  // A takeover is counted when it happens, before the second outcome is written.
  for (auto* p : {&a, &b}) {
    auto metrics = "\n" + client.get(p->admin_url("/metrics")).body;
    EXPECT_EQ(sample(metrics, "eventbed_events_taken_over_total"), 0) << p->log();
  }
}

TEST(RecoveryTest, ProjectionRebuiltFromTheLogEqualsTheOriginalRowForRow) {
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  http_client client;
  std::vector<std::string> ids;
  for (int b = 0; b < 5; ++b) {
    auto more = ingest_batch_of(client, proc, "rb-" + std::to_string(b) + "-", 200);
    ids.insert(ids.end(), more.begin(), more.end());
  }
  ASSERT_EQ(client.post(proc.url("/ingest"), R"({"id":"rb-rej","type":"eventbed.reject"})").status,
            202);
  ASSERT_FALSE(wait_for_status(client, proc, "rb-rej", "failed").is_null());
  for (const auto& id : ids)
    ASSERT_FALSE(wait_for_status(client, proc, id, "processed").is_null()) << id;
  ASSERT_EQ(proc.stop(), 0);
  auto db = proc.data_dir() + "/projection.db";
  auto original = dump_projection(db);
  ASSERT_GT(original.size(), ids.size());

  for (auto suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(db + suffix);
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  ASSERT_FALSE(wait_for_status(client, proc, "rb-rej", "failed").is_null());
  ASSERT_FALSE(wait_for_status(client, proc, ids.back(), "processed").is_null());
  ASSERT_EQ(proc.stop(), 0);
  EXPECT_EQ(dump_projection(db), original);
}

}  // namespace
