// wakeable_actor against a real redis-server: a message from outside ends a
// detached actor's blocking read, so the actor handles it at once however
// long the read was allowed to block; its own messages do not.
#include "actors/pipeline/wakeable_actor.hpp"

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <memory>

#include "actors/pipeline/messages.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using namespace std::chrono_literals;

namespace {

using reader_actor = caf::typed_actor<caf::reacts_to<poll_atom>>;

struct reader_state {
  std::unique_ptr<redis_connection> conn;
  static inline const char* name = "test_reader";
};

// Reads an empty stream over and over, each read blocking for 30 s (its
// connection's I/O timeout allows it), and counts the reads that returned.
reader_actor::behavior_type reader(wakeable_actor<reader_state, reader_actor>* self,
                                   std::string redis, std::shared_ptr<std::atomic<int>> returned) {
  auto ep = parse_redis_endpoint(redis);
  ep.io_timeout = 60s;
  self->state.conn = std::make_unique<redis_connection>(ep);
  self->send(self, poll_atom::value);
  return {
      [=](poll_atom) {
        self->state.conn->command({"XREAD", "BLOCK", "30000", "STREAMS", "s", "$"}, self->wake());
        ++*returned;
        self->send(self, poll_atom::value);
      },
  };
}

class WakeableActorTest : public ::testing::Test {
 protected:
  void TearDown() override { caf::anon_send_exit(actor, caf::exit_reason::user_shutdown); }

  long long blocked_clients() {
    auto info = observer.command({"INFO", "clients"}).str;
    return std::stoll(info.substr(info.find("blocked_clients:") + 16));
  }

  redis_server redis{false};
  redis_connection observer{parse_redis_endpoint(redis.endpoint())};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<std::atomic<int>> returned = std::make_shared<std::atomic<int>>(0);
  reader_actor actor = sys.spawn<caf::detached>(reader, redis.endpoint(), returned);
};

TEST_F(WakeableActorTest, AnExitEndsTheBlockedReadAndIsHandledAtOnce) {
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, 10s));
  caf::scoped_actor self{sys};
  self->monitor(actor);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  bool down = false;
  // 30 s of BLOCK left: only the wakeup brings the actor back to its mailbox in time.
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
  EXPECT_TRUE(down) << "the exit waited for the read to end";
  EXPECT_EQ(*returned, 1) << "the interrupted read returned, and no other one ran";
  EXPECT_EQ(blocked_clients(), 0);
}

TEST_F(WakeableActorTest, ItsOwnMessagesDoNotEndItsReads) {
  // Each handler sends the actor its next poll: were that a wakeup, every
  // read would end at once and the count would climb.
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, 10s));
  EXPECT_EQ(*returned, 0);
}

}  // namespace
