// The health actor: the single place that knows whether this process is
// started, live and ready.
//
// Components push reports (component_report) when their state changes and
// periodically while they run; probes read the cached verdict, so a probe is
// answered at once and never waits behind user traffic or a slow component.
//   startup: every expected component has reported at least once.
//   live:    no component has been silent longer than `dead_after` (a stuck thread).
//   ready:   started, not draining, every component ok and heard from within `stale_after`.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "actors/pipeline/messages.hpp"

namespace eventbed {

using health_actor = caf::typed_actor<caf::reacts_to<report_atom, component_report>,
                                      caf::reacts_to<drain_atom>,
                                      caf::replies_to<live_atom>::with<health_report>,
                                      caf::replies_to<ready_atom>::with<health_report>,
                                      caf::replies_to<startup_atom>::with<health_report>>;

struct health_settings {
  std::vector<std::string> expected;  // components that must report before startup succeeds
  std::chrono::milliseconds stale_after{5000};
  std::chrono::milliseconds dead_after{30000};
};

health_actor spawn_health(caf::actor_system& sys, health_settings settings);

// The names components report under. serve lists the ones it expects and each
// actor reports under its own, both through these, so they cannot disagree
// (a name only one side used would keep startup from ever completing).
namespace health_component {
// "ingest-writer-<index>": one of the ingest actors (each appends to the log).
std::string ingest_writer(int index);
// "<instance>-<index>": a processor, also its consumer name in the group.
std::string processor(const std::string& instance, int index);
// The projector of the query role.
inline constexpr const char* projection = "projection";
}  // namespace health_component

// Sends `report` to `health` unless an identical verdict was sent less than
// `every` ago: components call it on every loop without flooding the actor.
class health_reporter {
 public:
  health_reporter(health_actor health, std::string component,
                  std::chrono::milliseconds every = std::chrono::milliseconds(250));
  void report(bool ok, const std::string& detail = "");

 private:
  health_actor health_;
  std::string component_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point last_sent_{};
  bool last_ok_ = false;
  std::string last_detail_;
};

}  // namespace eventbed
