// A query actor answers reads from this process's SQLite projection.
//
// It runs detached with its own read connection; WAL mode lets it read while
// the projector writes. Gateways spread requests over several query actors.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

#include "actors/pipeline/messages.hpp"
#include "storage/projection_reader.hpp"

namespace eventbed {

using query_actor =
    caf::typed_actor<caf::replies_to<find_atom, std::string>::with<event_record>,
                     caf::replies_to<stats_atom>::with<projection_stats>,
                     caf::replies_to<summary_atom, summary_query>::with<widget_summary>>;

// find answers errc::not_found for ids the projection has not seen;
// SQLite failures answer errc::storage_failure.
query_actor spawn_query(caf::actor_system& sys, std::string db_path);

}  // namespace eventbed

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::event_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::projection_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::summary_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::widget_summary)
