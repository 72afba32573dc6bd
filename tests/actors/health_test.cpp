// The health actor's verdicts for startup, liveness and readiness.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <thread>

#include "actors/health.hpp"

using namespace eventbed;

namespace {

class HealthTest : public ::testing::Test {
 protected:
  health_report ask_ready() { return ask<ready_atom>(); }
  health_report ask_live() { return ask<live_atom>(); }
  health_report ask_startup() { return ask<startup_atom>(); }

  template <class Atom>
  health_report ask() {
    health_report out;
    self->request(health, std::chrono::seconds(5), Atom::value)
        .receive([&](health_report& r) { out = r; },
                 [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  void report(const std::string& name, bool ok, const std::string& detail = "") {
    self->send(health, report_atom::value, component_report{name, ok, detail});
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  health_settings settings{{"redis", "projection"}, std::chrono::milliseconds(300),
                           std::chrono::milliseconds(600)};
  health_actor health = spawn_health(sys, settings);
};

TEST_F(HealthTest, NotStartedUntilEveryExpectedComponentReported) {
  report("redis", true);
  EXPECT_FALSE(ask_startup().ok);
  EXPECT_FALSE(ask_ready().ok);
  report("projection", true);
  EXPECT_TRUE(ask_startup().ok);
  EXPECT_TRUE(ask_ready().ok);
}

TEST_F(HealthTest, OneFailingComponentMakesItUnreadyWithTheReason) {
  report("redis", true);
  report("projection", false, "projection behind the log");
  auto r = ask_ready();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.checks["projection"], "projection behind the log");
  EXPECT_EQ(r.checks["redis"], "ok");
  EXPECT_TRUE(ask_live().ok) << "a failing dependency is no reason to restart";
}

TEST_F(HealthTest, DrainingIsNeverReady) {
  report("redis", true);
  report("projection", true);
  self->send(health, drain_atom::value);
  auto r = ask_ready();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, "draining");
  EXPECT_TRUE(ask_live().ok);
}

TEST_F(HealthTest, SilentComponentsTurnUnreadyThenNotLive) {
  report("redis", true);
  report("projection", true);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // past stale_after
  EXPECT_FALSE(ask_ready().ok);
  EXPECT_TRUE(ask_live().ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past dead_after
  EXPECT_FALSE(ask_live().ok);
}

}  // namespace
