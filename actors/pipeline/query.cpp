#include "actors/pipeline/query.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

#include "common/actor_metrics.hpp"
#include "storage/projection_reader.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

struct query_state {
  std::string db_path;
  std::unique_ptr<projection_reader> reader;  // opened on first use, reopened after a failure
  actor_metrics metrics;                      // resolved at start
  static inline const char* name = "query";
};

using self_ptr = query_actor::stateful_pointer<query_state>;

projection_reader& reader(query_state& st) {
  if (!st.reader)
    st.reader = std::make_unique<projection_reader>(st.db_path);
  return *st.reader;
}

caf::result<event_record> find(self_ptr self, const std::string& id) {
  try {
    if (auto rec = reader(self->state).find(id))
      return std::move(*rec);
    return make_error(errc::not_found, "no event with id '" + id + "'");
  } catch (const storage_error& e) {
    self->state.metrics.failures().inc();
    self->state.reader.reset();
    return make_error(errc::storage_failure, e.what());
  }
}

caf::result<projection_stats> stats(self_ptr self) {
  try {
    return reader(self->state).stats();
  } catch (const storage_error& e) {
    self->state.reader.reset();
    return make_error(errc::storage_failure, e.what());
  }
}

caf::result<widget_summary> summary(self_ptr self, const summary_query& q) {
  try {
    return reader(self->state).summary(q);
  } catch (const storage_error& e) {
    self->state.metrics.failures().inc();
    self->state.reader.reset();
    return make_error(errc::storage_failure, e.what());
  }
}

query_actor::behavior_type query_impl(self_ptr self, std::string db_path) {
  self->state.db_path = std::move(db_path);
  self->state.metrics = actor_metrics::resolve("query");
  // Each request is one message and one event.
  return {
      [=](find_atom, const std::string& id) {
        auto msg = metered(self);
        msg.events(1);
        return find(self, id);
      },
      [=](stats_atom) {
        auto msg = metered(self);
        msg.events(1);
        return stats(self);
      },
      [=](summary_atom, const summary_query& q) {
        auto msg = metered(self);
        msg.events(1);
        return summary(self, q);
      },
  };
}

}  // namespace

query_actor spawn_query(caf::actor_system& sys, std::string db_path) {
  return sys.spawn<caf::detached>(query_impl, std::move(db_path));
}

}  // namespace eventbed
