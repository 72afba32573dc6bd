#include "actors/pipeline/health.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>

#include "common/actor_metrics.hpp"

namespace eventbed {

namespace {

using clock = std::chrono::steady_clock;

struct component_state {
  bool ok = false;
  std::string detail;
  clock::time_point last_seen;
};

struct health_state {
  health_settings settings;
  std::map<std::string, component_state> components;
  bool draining = false;
  actor_metrics metrics;  // resolved at start
  static inline const char* name = "health";
};

using self_ptr = health_actor::stateful_pointer<health_state>;

bool started(const health_state& st) {
  for (const auto& name : st.settings.expected)
    if (st.components.count(name) == 0)
      return false;
  return true;
}

health_report startup_report(const health_state& st) {
  health_report r;
  for (const auto& name : st.settings.expected)
    r.checks[name] = st.components.count(name) ? "ok" : "not started";
  r.ok = started(st);
  r.status = r.ok ? "ok" : "starting";
  return r;
}

health_report live_report(const health_state& st) {
  health_report r;
  r.ok = true;
  auto now = clock::now();
  for (const auto& [name, c] : st.components) {
    bool alive = now - c.last_seen <= st.settings.dead_after;
    r.checks[name] = alive ? "ok" : "silent for too long (stuck?)";
    r.ok = r.ok && alive;
  }
  r.status = r.ok ? "ok" : "failing";
  return r;
}

health_report ready_report(const health_state& st) {
  health_report r = startup_report(st);
  if (!r.ok)
    return r;
  auto now = clock::now();
  for (const auto& [name, c] : st.components) {
    bool fresh = now - c.last_seen <= st.settings.stale_after;
    bool good = c.ok && fresh;
    r.checks[name] = good ? "ok" : (!fresh ? "no report recently" : c.detail);
    r.ok = r.ok && good;
  }
  r.status = r.ok ? "ok" : "failing";
  if (st.draining) {
    r.ok = false;
    r.status = "draining";
  }
  return r;
}

health_actor::behavior_type health_impl(self_ptr self, health_settings settings) {
  self->state.settings = std::move(settings);
  self->state.metrics = actor_metrics::resolve("health");
  // Each report and each probe's question is one message and one event.
  auto metered_event = [self](auto&& work) {
    auto msg = metered(self);
    msg.events(1);
    return work();
  };
  return {
      [=](report_atom, component_report& rep) {
        metered_event([&] {
          auto& c = self->state.components[rep.name];
          c.ok = rep.ok;
          c.detail = std::move(rep.detail);
          c.last_seen = clock::now();
        });
      },
      [=](drain_atom) { metered_event([&] { self->state.draining = true; }); },
      [=](live_atom) { return metered_event([&] { return live_report(self->state); }); },
      [=](ready_atom) { return metered_event([&] { return ready_report(self->state); }); },
      [=](startup_atom) { return metered_event([&] { return startup_report(self->state); }); },
  };
}

}  // namespace

health_actor spawn_health(caf::actor_system& sys, health_settings settings) {
  return sys.spawn(health_impl, std::move(settings));
}

health_reporter::health_reporter(health_actor health, std::string component,
                                 std::chrono::milliseconds every)
    : health_(std::move(health)), component_(std::move(component)), every_(every) {}

void health_reporter::report(bool ok, const std::string& detail) {
  auto now = clock::now();
  bool changed = ok != last_ok_ || detail != last_detail_;
  if (!changed && now - last_sent_ < every_ && last_sent_ != clock::time_point{})
    return;
  last_sent_ = now;
  last_ok_ = ok;
  last_detail_ = detail;
  caf::anon_send(health_, report_atom::value, component_report{component_, ok, detail});
}

namespace health_component {

std::string ingest_writer(int index) {
  return "ingest-writer-" + std::to_string(index);
}

std::string processor(const std::string& instance, int index) {
  return instance + "-" + std::to_string(index);
}

}  // namespace health_component

}  // namespace eventbed
