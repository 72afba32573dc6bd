#include "storage/log_retention.hpp"

#include <sstream>

#include "common/wall_clock.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

// The smaller of two MINID candidates; "" means "no constraint".
std::string lower(const std::string& a, const std::string& b) {
  if (a.empty())
    return b;
  if (b.empty())
    return a;
  return compare_stream_ids(a, b) <= 0 ? a : b;
}

// Trims below ARGV[1] and records the newest entry it removed, atomically. Redis
// 7.0 does not track what XTRIM removed (max-deleted-entry-id covers XDEL
// only), and readers need it to know whether they missed anything. Trimming
// removes from the head, so each trim's newest removed entry is newer than
// the last: the mark only ever grows.
const char* const trim_script = R"lua(
local newest = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[1], '-', 'COUNT', 1)
local n = redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
if n > 0 and newest[1] then
  redis.call('SET', KEYS[2], newest[1][1])
end
return n
)lua";

void expect_ok(const redis_reply& r, const std::string& what) {
  if (r.type == redis_reply::kind::error)
    throw storage_error("redis: " + what + ": " + r.str);
}

}  // namespace

log_retention::log_retention(redis_connection& conn, log_names names,
                             std::chrono::milliseconds stale_after)
    : conn_(conn),
      names_(std::move(names)),
      stale_after_(stale_after) {}

void log_retention::heartbeat(const std::string& name, const std::string& events_id,
                              const std::string& outcomes_id) {
  auto reply = conn_.command({"HSET", names_.projections, name,
                              events_id + " " + outcomes_id + " " + std::to_string(wall_clock_ms())});
  expect_ok(reply, "HSET " + names_.projections);
}

// Everything from the oldest pending entry on is still needed by the group;
// so is everything after the last delivered one. No group yet: keep it all.
std::string log_retention::group_safe_point() {
  auto replies = conn_.pipeline({{"XINFO", "GROUPS", names_.events},
                                 {"XPENDING", names_.events, names_.group}});
  if (replies[0].type == redis_reply::kind::error)
    return "0-0";  // no stream yet
  std::string last_delivered;
  for (const auto& group : replies[0].elements) {
    const auto* name = group.field("name");
    if (name && name->str == names_.group)
      if (const auto* id = group.field("last-delivered-id"))
        last_delivered = id->str;
  }
  if (last_delivered.empty())
    return "0-0";
  const auto& pending = replies[1];
  if (pending.type == redis_reply::kind::array && pending.elements.size() >= 2 &&
      pending.elements[0].integer > 0)
    return lower(pending.elements[1].str, last_delivered);
  return last_delivered;
}

void log_retention::projections_safe_points(std::string* events, std::string* outcomes) {
  auto reply = conn_.command({"HGETALL", names_.projections});
  expect_ok(reply, "HGETALL " + names_.projections);
  auto now = wall_clock_ms();
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    std::istringstream in(reply.elements[i + 1].str);
    std::string e, o;
    int64_t at = 0;
    if (!(in >> e >> o >> at) || now - at > stale_after_.count())
      continue;  // malformed, or a projection gone silent: it no longer holds the log back
    *events = lower(*events, e);
    *outcomes = lower(*outcomes, o);
  }
}

log_retention::trim_result log_retention::trim(std::chrono::milliseconds retain) {
  // retain 0: no time constraint, trim all that is safe (entries of this very
  // millisecond would otherwise sort after a "<now>-0" cutoff).
  std::string cutoff = retain.count() > 0 ? std::to_string(wall_clock_ms() - retain.count()) + "-0" : "";
  std::string proj_events, proj_outcomes;
  projections_safe_points(&proj_events, &proj_outcomes);
  trim_result res;
  res.events_below = lower(lower(group_safe_point(), proj_events), cutoff);
  res.outcomes_below = lower(proj_outcomes, cutoff);
  if (res.outcomes_below.empty())
    res.outcomes_below = "0-0";  // no live projection and no retention period: keep outcomes
  std::vector<std::vector<std::string>> cmds;
  if (res.events_below != "0-0")
    cmds.push_back({"EVAL", trim_script, "2", names_.events, names_.trimmed_prefix + names_.events,
                    res.events_below});
  if (res.outcomes_below != "0-0")
    cmds.push_back({"EVAL", trim_script, "2", names_.outcomes, names_.trimmed_prefix + names_.outcomes,
                    res.outcomes_below});
  if (cmds.empty())
    return res;
  auto replies = conn_.pipeline(cmds);
  size_t next = 0;
  if (res.events_below != "0-0") {
    expect_ok(replies[next], "XTRIM " + names_.events);
    res.events_trimmed = replies[next++].integer;
  }
  if (res.outcomes_below != "0-0") {
    expect_ok(replies[next], "XTRIM " + names_.outcomes);
    res.outcomes_trimmed = replies[next].integer;
  }
  return res;
}

std::string log_retention::gap(const std::string& stream, const std::string& applied_up_to) {
  auto reply = conn_.command({"GET", names_.trimmed_prefix + stream});
  expect_ok(reply, "GET " + names_.trimmed_prefix + stream);
  if (reply.type != redis_reply::kind::string || compare_stream_ids(reply.str, applied_up_to) <= 0)
    return "";
  return reply.str;
}

}  // namespace eventbed
