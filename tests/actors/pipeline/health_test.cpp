// The health actor's verdicts for startup, liveness and readiness.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/pipeline/health.hpp"
#include "tests/support/deadline.hpp"

using namespace eventbed;

namespace {

using namespace std::chrono_literals;

// Components expected by every test. Reports stay fresh for far longer than
// any test takes between a report and a question, however loaded the machine.
health_settings settings_with(std::chrono::milliseconds stale_after, std::chrono::milliseconds dead_after) {
  health_settings s;
  s.expected = {"redis", "projection"};
  s.stale_after = stale_after;
  s.dead_after = dead_after;
  return s;
}

class HealthTest : public ::testing::Test {
 protected:
  health_report ask_ready() { return ask<ready_atom>(); }
  health_report ask_live() { return ask<live_atom>(); }
  health_report ask_startup() { return ask<startup_atom>(); }

  template <class Atom>
  health_report ask() {
    return ask<Atom>(health);
  }

  template <class Atom>
  health_report ask(const health_actor& whom) {
    health_report out;
    self->request(whom, std::chrono::seconds(5), Atom::value)
        .receive([&](health_report& r) { out = r; },
                 [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  void report(const std::string& name, bool ok, const std::string& detail = "") {
    report_to(health, name, ok, detail);
  }

  void report_to(const health_actor& whom, const std::string& name, bool ok, const std::string& detail = "") {
    self->send(whom, report_atom::value, component_report{name, ok, detail});
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  health_actor health = spawn_health(sys, settings_with(60s, 120s));
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
  auto quick = spawn_health(sys, settings_with(200ms, 3s));
  std::chrono::steady_clock::time_point reported;
  ASSERT_TRUE(eventually(
      [&] {
        reported = std::chrono::steady_clock::now();
        report_to(quick, "redis", true);
        report_to(quick, "projection", true);
        return ask<ready_atom>(quick).ok;
      },
      10s))
      << "never ready";
  ASSERT_TRUE(eventually([&] { return !ask<ready_atom>(quick).ok; }, 10s)) << "still ready past stale_after";
  bool live = ask<live_atom>(quick).ok;
  // Only meaningful while dead_after has not passed; 3 s leaves a loaded machine room.
  if (std::chrono::steady_clock::now() - reported < 3s)
    EXPECT_TRUE(live) << "stale is not yet dead";
  EXPECT_TRUE(eventually([&] { return !ask<live_atom>(quick).ok; }, 15s)) << "still live past dead_after";
}

}  // namespace
