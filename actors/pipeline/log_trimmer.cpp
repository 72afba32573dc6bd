#include "actors/pipeline/log_trimmer.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

#include "actors/pipeline/pipeline_metrics.hpp"
#include "common/actor_metrics.hpp"
#include "common/logging.hpp"
#include "storage/log_retention.hpp"
#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

struct trimmer_state {
  log_trimmer_settings settings;
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<log_retention> retention;
  actor_metrics metrics;  // resolved at start
  static inline const char* name = "log_trimmer";
};

using self_ptr = log_trimmer_actor::stateful_pointer<trimmer_state>;

void trim(self_ptr self) {
  auto& st = self->state;
  auto msg = metered(self);
  try {
    auto res = st.retention->trim(st.settings.retain);
    auto& pm = pipeline_metrics::get();
    pm.trimmed_events.inc(static_cast<uint64_t>(res.events_trimmed));
    pm.trimmed_outcomes.inc(static_cast<uint64_t>(res.outcomes_trimmed));
    msg.events(static_cast<uint64_t>(res.events_trimmed + res.outcomes_trimmed));
    if (res.events_trimmed + res.outcomes_trimmed > 0)
      log::debug("log_trimmer", "trimmed " + std::to_string(res.events_trimmed) +
                                    " events below " + res.events_below + " and " +
                                    std::to_string(res.outcomes_trimmed) + " outcomes below " +
                                    res.outcomes_below);
  } catch (const storage_error& e) {
    st.metrics.failures().inc();
    log::warn("log_trimmer", std::string("trim failed, will retry: ") + e.what());
  }
  self->delayed_send(self, st.settings.every, poll_atom::value);
}

log_trimmer_actor::behavior_type trimmer_impl(self_ptr self, log_trimmer_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.conn = std::make_unique<redis_connection>(st.settings.redis);
  st.retention =
      std::make_unique<log_retention>(*st.conn, st.settings.names, st.settings.projection_stale);
  st.metrics = actor_metrics::resolve("log_trimmer");
  self->delayed_send(self, st.settings.every, poll_atom::value);
  return {
      [=](poll_atom) { trim(self); },
  };
}

}  // namespace

log_trimmer_actor spawn_log_trimmer(caf::actor_system& sys, log_trimmer_settings settings) {
  return sys.spawn<caf::detached>(trimmer_impl, std::move(settings));
}

}  // namespace eventbed
