// Atoms, error codes and message types shared by eventbed's actors.
//
// eventbed uses CAF only inside one process: messages are never serialized, so
// the plain structs below travel as "unsafe" (local-only) message types rather
// than carrying inspect() boilerplate. If a message ever has to cross a process
// boundary, it goes through Redis, not CAF.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "storage/event.hpp"

namespace eventbed {

using ingest_atom = caf::atom_constant<caf::atom("ingest")>;
using append_atom = caf::atom_constant<caf::atom("append")>;
using find_atom = caf::atom_constant<caf::atom("find")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using summary_atom = caf::atom_constant<caf::atom("summary")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using live_atom = caf::atom_constant<caf::atom("live")>;
using startup_atom = caf::atom_constant<caf::atom("startup")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;

// A validated ingest request on its way to the log.
struct ingest_batch {
  std::vector<event> events;
};

// Where the ingest actor hands the outcome of one request whose sender is not
// an actor: the HTTP route. Called exactly once, on the ingest actor's thread,
// so it must be quick (format a reply, hand it to the server). It saves the
// gateway hop and a request timeout per HTTP request on the hottest path.
struct append_callback {
  std::function<void(caf::expected<std::vector<append_result>>)> done;
};

// One component's view of its own health, pushed to the health actor.
struct component_report {
  std::string name;     // e.g. "redis", "projection", "processor-0"
  bool ok = false;
  std::string detail;   // why not ok, or a short status
};

// What /livez, /readyz and /startupz answer.
struct health_report {
  bool ok = false;
  std::string status;                         // "ok", "draining", "starting", "failing"
  std::map<std::string, std::string> checks;  // component -> "ok" or the reason it is not
};

// Failures an actor hands back to a gateway. The gateway maps each to an HTTP status.
enum class errc : uint8_t {
  redis_unavailable = 1,  // 503 + Retry-After: the write was not acknowledged
  overloaded,             // 503 + Retry-After: the ingest queue is full
  storage_failure,        // 500: SQLite or an unexpected Redis reply
  not_found,              // 404
};

// The CAF error category of errc values.
constexpr caf::atom_value error_category = caf::atom("eventbed");

caf::error make_error(errc code, std::string detail);

// The detail string carried by an error made with make_error, or CAF's own rendering.
std::string error_detail(const caf::error& err);

}  // namespace eventbed

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::ingest_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::append_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<eventbed::append_result>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::append_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::component_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::health_report)
