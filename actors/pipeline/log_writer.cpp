#include "actors/pipeline/log_writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

#include "actors/pipeline/pipeline_metrics.hpp"
#include "common/logging.hpp"
#include "storage/event_log.hpp"
#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

using clock = std::chrono::steady_clock;
constexpr auto idle_ping_every = std::chrono::seconds(1);

struct writer_state {
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<event_log> log;
  std::unique_ptr<health_reporter> health;
  std::string label;  // "ingest-writer-N": the log actor field
  clock::time_point last_io{};
  static inline const char* name = "log_writer";
};

using self_ptr = log_writer_actor::stateful_pointer<writer_state>;

caf::result<std::vector<append_result>> append(self_ptr self, ingest_batch& batch) {
  auto& st = self->state;
  static actor_metrics& am = actor_metrics::of("log_writer");
  actor_timer timer(am);
  auto& pm = pipeline_metrics::get();
  st.last_io = clock::now();
  try {
    auto started = steady_now_ns();
    auto results = st.log->append(batch.events);
    pm.redis_append.observe(seconds_since(started));
    pm.ingest_batch.observe(static_cast<double>(batch.events.size()));
    uint64_t duplicates = 0;
    for (const auto& r : results)
      duplicates += r.duplicate ? 1 : 0;
    pm.duplicates.inc(duplicates);
    pm.ingested.inc(results.size() - duplicates);
    st.health->report(true);
    return results;
  } catch (const storage_error& e) {
    am.failures.inc();
    st.health->report(false, std::string("redis: ") + e.what());
    log::warn(st.label, std::string("append failed, answering 503: ") + e.what());
    return make_error(errc::redis_unavailable, e.what());
  }
}

void idle_ping(self_ptr self) {
  auto& st = self->state;
  if (clock::now() - st.last_io >= idle_ping_every) {
    st.last_io = clock::now();
    try {
      auto reply = st.conn->command({"PING"});
      st.health->report(reply.type == redis_reply::kind::status, reply.str);
    } catch (const storage_error& e) {
      st.health->report(false, std::string("redis: ") + e.what());
    }
  }
  self->delayed_send(self, idle_ping_every, poll_atom::value);
}

log_writer_actor::behavior_type writer_impl(self_ptr self, log_writer_settings settings,
                                            health_actor health) {
  auto& st = self->state;
  st.label = settings.name;
  st.conn = std::make_unique<redis_connection>(parse_redis_endpoint(settings.redis));
  st.log = std::make_unique<event_log>(*st.conn, log_names{}, settings.dedupe_ttl);
  st.health = std::make_unique<health_reporter>(std::move(health), settings.name);
  self->send(self, poll_atom::value);
  return {
      [=](append_atom, ingest_batch& batch) { return append(self, batch); },
      [=](poll_atom) { idle_ping(self); },
  };
}

}  // namespace

log_writer_actor spawn_log_writer(caf::actor_system& sys, log_writer_settings settings,
                                  health_actor health) {
  return sys.spawn<caf::detached>(writer_impl, std::move(settings), std::move(health));
}

}  // namespace eventbed
