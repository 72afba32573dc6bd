// The ingest actors with --ack-replicas: a batch is answered only once the
// replicas WAIT asks for hold it, and 503 (redis_unavailable) when they do
// not in time. Real redis-server primary and replica.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <string>

#include "actors/pipeline/health.hpp"
#include "actors/pipeline/ingest.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using namespace std::chrono_literals;

namespace {

class IngestReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_connection r(parse_redis_endpoint(replica.endpoint()));
    ASSERT_TRUE(eventually(
        [&] { return r.command({"INFO", "replication"}).str.find("master_link_status:up") != std::string::npos; },
        20s, 20ms));
  }
  void TearDown() override {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  // WAIT returns as soon as the replicas have acknowledged, so a long
  // timeout costs nothing where they do, and keeps a loaded machine's slow
  // replica from failing a batch; only a test of the timeout wants it short.
  ingest_actor spawn(int ack_replicas, std::chrono::milliseconds ack_timeout = 10s) {
    ingest_settings s;
    s.redis = parse_redis_endpoint(primary.endpoint());
    s.writers = 1;
    s.ack_replicas = ack_replicas;
    s.ack_timeout = ack_timeout;
    auto pool = spawn_ingest(sys, s, spawn_health(sys, {}));
    spawned.push_back(caf::actor_cast<caf::actor>(pool.actors().front()));
    return pool.actors().front();
  }

  // One batch of `n` events with ids "<prefix>0".."<prefix>n-1": its results or its error.
  caf::expected<std::vector<append_result>> ingest(const ingest_actor& a, const std::string& prefix, int n) {
    ingest_batch b;
    for (int i = 0; i < n; ++i)
      b.events.push_back(event{prefix + std::to_string(i), "t", "", "null", "", true});
    caf::scoped_actor self{sys};
    caf::expected<std::vector<append_result>> out{caf::sec::request_timeout};
    self->request(a, 30s, ingest_atom::value, std::move(b))
        .receive([&](std::vector<append_result>& r) { out = std::move(r); },
                 [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  long long replica_xlen() {
    redis_connection r(parse_redis_endpoint(replica.endpoint()));
    return r.command({"XLEN", "eventbed:events"}).integer;
  }

  redis_server primary{false};
  redis_server replica{redis_server_options{false, "", primary.port()}};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<caf::actor> spawned;
};

// At the moment of the answer, the replica already holds every event of it.
TEST_F(IngestReplicasTest, AnAnsweredBatchIsOnTheReplica) {
  auto a = spawn(1);
  for (int round = 0; round < 20; ++round) {
    auto r = ingest(a, "r" + std::to_string(round) + "-", 50);
    ASSERT_TRUE(r) << sys.render(r.error());
    EXPECT_EQ(replica_xlen(), 50 * (round + 1));
  }
}

// A replica that does not acknowledge: 503, naming why, and the event is in
// the primary's log, so a retry with the same id is a duplicate.
TEST_F(IngestReplicasTest, TooFewReplicasInTimeIsRedisUnavailable) {
  auto a = spawn(2, 300ms);
  auto r = ingest(a, "x", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), static_cast<uint8_t>(errc::redis_unavailable));
  EXPECT_NE(sys.render(r.error()).find("1 of 2 replicas acknowledged"), std::string::npos) << sys.render(r.error());
  auto calm = spawn(1);
  auto again = ingest(calm, "x", 1);
  ASSERT_TRUE(again) << sys.render(again.error());
  EXPECT_TRUE(again->front().duplicate);
}

}  // namespace
