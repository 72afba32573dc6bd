// The ingest actors against a real redis-server: group commit, slicing of the
// log's answer back to each request, backpressure across the pool, and Redis
// outages.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <set>

#include "actors/pipeline/health.hpp"
#include "actors/pipeline/ingest.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;

namespace {

ingest_batch batch_of(const std::string& prefix, int n) {
  ingest_batch b;
  for (int i = 0; i < n; ++i) {
    b.events.push_back(event{prefix + std::to_string(i), "t", "", "null", "", true});
  }
  return b;
}

class IngestActorTest : public ::testing::Test {
 protected:
  ingest_pool spawn(ingest_settings s) {
    s.redis = parse_redis_endpoint(redis.endpoint());
    auto pool = spawn_ingest(sys, s, spawn_health(sys, {}));
    for (const auto& actor : pool.actors())
      spawned.push_back(caf::actor_cast<caf::actor>(actor));
    return pool;
  }

  // Stalls Redis for 1.5 s (less than the actors' 5 s I/O timeout), so each
  // actor's round trip hangs while requests queue, sends `requests` one-event
  // requests spread over `pool`, and counts the answers by kind.
  // CLIENT PAUSE is in force when it returns: nothing to wait for.
  std::pair<int, int> ok_and_overloaded_while_stalled(const ingest_pool& pool, int requests) {
    redis_connection pauser(parse_redis_endpoint(redis.endpoint()));
    EXPECT_EQ(pauser.command({"CLIENT", "PAUSE", "1500"}).str, "OK");
    caf::scoped_actor self{sys};
    for (int r = 0; r < requests; ++r)
      self->send(pool.next(), ingest_atom::value, batch_of("o" + std::to_string(r) + "-", 1));
    int ok = 0, overloaded = 0;
    for (int r = 0; r < requests; ++r)
      self->receive([&](std::vector<append_result>&) { ++ok; },
                    [&](caf::error& err) {
                      EXPECT_EQ(err.code(), static_cast<uint8_t>(errc::overloaded)) << sys.render(err);
                      ++overloaded;
                    },
                    caf::after(std::chrono::seconds(10)) >> [&] { ADD_FAILURE() << "no answer"; });
    return {ok, overloaded};
  }

  // The ingest actors ping Redis on a timer and so never run out of work:
  // stop them, or ~actor_system waits forever.
  void TearDown() override {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  redis_server redis{false};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<caf::actor> spawned;
};

TEST_F(IngestActorTest, ConcurrentRequestsEachGetTheirOwnIdsInOrder) {
  auto pool = spawn({});
  caf::scoped_actor self{sys};
  constexpr int requests = 200;
  for (int r = 0; r < requests; ++r)
    self->send(pool.next(), ingest_atom::value, batch_of("r" + std::to_string(r) + "-", 1 + r % 7));
  int answered = 0;
  for (int r = 0; r < requests; ++r) {
    self->receive(
        [&](std::vector<append_result>& results) {
          ASSERT_FALSE(results.empty());
          auto prefix = results.front().id.substr(0, results.front().id.find('-') + 1);
          for (size_t i = 0; i < results.size(); ++i)
            EXPECT_EQ(results[i].id, prefix + std::to_string(i));
          ++answered;
        },
        [&](caf::error& err) { ADD_FAILURE() << sys.render(err); },
        caf::after(std::chrono::seconds(10)) >> [&] { ADD_FAILURE() << "no answer"; });
  }
  EXPECT_EQ(answered, requests);
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  long long expected = 0;
  for (int r = 0; r < requests; ++r)
    expected += 1 + r % 7;
  EXPECT_EQ(conn.command({"XLEN", "eventbed:events"}).integer, expected);
}

TEST_F(IngestActorTest, FullQueueAnswersOverloaded) {
  ingest_settings s;
  s.writers = 1;
  s.queue_limit = 10;
  s.batch_events = 10;
  auto [ok, overloaded] = ok_and_overloaded_while_stalled(spawn(s), 30);
  // The actor takes up to the limit, blocks in its round trip while the rest
  // arrive, and then takes up to the limit again: never more.
  EXPECT_GE(overloaded, 10);
  EXPECT_LE(ok, 2 * 10) << "the limit taken before and after the stalled round trip";
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  EXPECT_EQ(conn.command({"XLEN", "eventbed:events"}).integer, ok);
}

TEST_F(IngestActorTest, TheQueueLimitIsSplitOverThePool) {
  ingest_settings s;
  s.writers = 3;
  s.queue_limit = 12;
  s.batch_events = 12;
  auto [ok, overloaded] = ok_and_overloaded_while_stalled(spawn(s), 60);
  EXPECT_EQ(ok + overloaded, 60);
  EXPECT_LE(ok, 3 * 2 * (12 / 3)) << "each actor takes a third of the limit, before and after its stalled round trip";
}

TEST_F(IngestActorTest, ThePoolSpreadsRequestsOverEveryActor) {
  ingest_settings s;
  s.writers = 3;
  auto pool = spawn(s);
  std::set<caf::actor_addr> seen;
  for (int r = 0; r < 6; ++r)
    seen.insert(pool.next().address());
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(IngestActorTest, RedisDownAnswersRedisUnavailable) {
  auto ingest = spawn({}).next();
  redis.stop();
  caf::scoped_actor self{sys};
  self->request(ingest, std::chrono::seconds(10), ingest_atom::value, batch_of("d-", 3))
      .receive([&](std::vector<append_result>&) { ADD_FAILURE() << "accepted with Redis down"; },
               [&](caf::error& err) {
                 EXPECT_EQ(err.category(), error_category);
                 EXPECT_EQ(err.code(), static_cast<uint8_t>(errc::redis_unavailable));
               });
  redis.start();
  self->request(ingest, std::chrono::seconds(10), ingest_atom::value, batch_of("u-", 2))
      .receive([&](std::vector<append_result>& r) { EXPECT_EQ(r.size(), 2u); },
               [&](caf::error& err) { ADD_FAILURE() << "no recovery: " << sys.render(err); });
}

}  // namespace
