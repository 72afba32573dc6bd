#include "storage/event_log.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "storage/event_entry.hpp"
#include "storage/redis_commands.hpp"
#include "storage/storage_error.hpp"
#include "storage/stream_read_reply.hpp"

namespace eventbed {
namespace {

// KEYS[1] dedupe key, KEYS[2] events stream; ARGV[1] the ttl, then the
// entry's fields, name and value in turn. Returns {1, first entry id} for a
// repeat, {0, new entry id} otherwise. The dedupe key is written after the
// XADD, so a failed XADD remembers nothing.
const char* const kDedupeScript = R"lua(
local first = redis.call('GET', KEYS[1])
if first then return {1, first} end
local sid = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
redis.call('SET', KEYS[1], sid, 'EX', ARGV[1])
return {0, sid}
)lua";

// KEYS[1] events stream; ARGV: group, consumer, ids. Atomic, because a plain
// XCLAIM would also take back an entry another consumer has taken over. An id
// XCLAIM does not return was deleted from the stream (Redis 7 then drops it).
// Sent whole with EVAL: it runs a few times per claim-idle period at most.
const char* const kRefreshScript = R"lua(
local kept = {}
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) > 0 and
     #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID') > 0 then
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
)lua";

// KEYS[1] the format key, KEYS[2] events stream; ARGV[1] the newest format.
// Returns the log's format setting. Unset, it is decided once, here: a log
// no entry was ever added to (no stream yet, or one made empty by XGROUP
// CREATE ... MKSTREAM) starts on the newest format, which is then stored;
// any other log was written by builds that may read only format 1, so it
// stays there until an operator sets the key.
const char* const kFormatScript = R"lua(
local setting = redis.call('GET', KEYS[1])
if setting then return setting end
local ok, info = pcall(redis.call, 'XINFO', 'STREAM', KEYS[2])
if ok then
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' and info[i + 1] ~= '0-0' then return '1' end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
)lua";

constexpr auto format_recheck = std::chrono::seconds(1);

using reply_kind = redis_reply::kind;

bool is_error(const redis_reply& r, const char* prefix) {
  return r.type == reply_kind::error && r.str.rfind(prefix, 0) == 0;
}

[[noreturn]] void throw_reply(const std::string& what, const redis_reply& r) {
  throw storage_error(what + ": " + (r.type == reply_kind::error ? r.str : "unexpected reply type"));
}

void expect_array(const redis_reply& r, const std::string& what) {
  if (r.type != reply_kind::array) throw_reply(what, r);
}

const char* status_name(outcome_status s) { return s == outcome_status::processed ? "processed" : "failed"; }

// An unknown status reads as failed: claiming success for it would be worse.
outcome_status parse_status(std::string_view s) {
  return s == "processed" ? outcome_status::processed : outcome_status::failed;
}

void add_xadd(redis_commands& cmds, const std::string& stream, const event& ev, log_format format) {
  const event_entry fields(ev, format);
  cmds.begin(3 + fields.size());
  cmds.arg("XADD");
  cmds.arg(stream);
  cmds.arg("*");
  for (size_t i = 0; i < fields.size(); ++i) cmds.arg(fields[i]);
}

void add_dedupe_append(redis_commands& cmds, const std::string& sha, const log_names& names,
                       const std::string& ttl_seconds, const event& ev, log_format format) {
  const event_entry fields(ev, format);
  cmds.begin(6 + fields.size());
  cmds.arg("EVALSHA");
  cmds.arg(sha);
  cmds.arg("2");
  cmds.arg(names.dedupe_prefix + ev.id);
  cmds.arg(names.events);
  cmds.arg(ttl_seconds);
  for (size_t i = 0; i < fields.size(); ++i) cmds.arg(fields[i]);
}

// A number as a command argument, written where it lives: the reads that
// run per batch build their commands without a std::string per argument.
class decimal {
 public:
  explicit decimal(long long n) : end_(std::to_chars(text_, text_ + sizeof text_, n).ptr) {}
  std::string_view view() const { return {text_, static_cast<size_t>(end_ - text_)}; }

 private:
  char text_[20];
  char* end_;
};

// A number field's value; 0 when it is not a number.
template <class T>
T decimal_or_zero(std::string_view s) {
  T value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

// An entry is [id, fields]; fields is nil for an entry deleted from the
// stream but still pending.
bool live_entry(const redis_reply& entry) {
  return entry.type == reply_kind::array && entry.elements.size() >= 2 &&
         entry.elements[1].type == reply_kind::array;
}

// Entries a consumer holds (XAUTOCLAIM, XREADGROUP of its pending list):
// live ones to process, and the ids of those deleted from the stream.
void split_held(redis_reply& entries, std::vector<logged_event>& live, std::vector<std::string>& gone) {
  for (auto& entry : entries.elements) {
    if (live_entry(entry)) {
      live.push_back({std::move(entry.elements[0].str), decode_event_entry(entry.elements[1].elements), 1});
    } else if (!entry.elements.empty()) {
      gone.push_back(std::move(entry.elements[0].str));
    }
  }
}

std::string last_id(const redis_reply& r, const std::string& stream) {
  expect_array(r, "XREVRANGE " + stream);
  if (r.elements.empty() || r.elements[0].elements.empty()) return "0-0";
  return r.elements[0].elements[0].str;
}

}  // namespace

void decode_outcome_field(std::string_view name, std::string_view value, outcome& out) {
  if (name == "id") out.event_id = std::string(value);
  else if (name == "status") out.status = parse_status(value);
  else if (name == "detail") out.detail = std::string(value);
  else if (name == "attempts") out.attempts = decimal_or_zero<uint32_t>(value);
  else if (name == "at") out.processed_at_ms = decimal_or_zero<int64_t>(value);
  else if (name == "tp") out.traceparent = std::string(value);
}

event_log::event_log(redis_connection& conn, log_names names, std::chrono::seconds dedupe_ttl)
    : conn_(conn), names_(std::move(names)), ttl_seconds_(std::to_string(dedupe_ttl.count())) {
  if (dedupe_ttl.count() < 1) throw std::invalid_argument("event_log: dedupe_ttl must be at least one second");
}

void event_log::load_script() {
  auto reply = conn_.command({"SCRIPT", "LOAD", kDedupeScript});
  if (reply.type != reply_kind::string) throw_reply("SCRIPT LOAD", reply);
  script_sha_ = std::move(reply.str);
}

std::chrono::milliseconds clamp_block(std::chrono::milliseconds block, std::chrono::milliseconds io_timeout) {
  if (block.count() < 0) return std::chrono::milliseconds(0);
  if (io_timeout.count() > 0) return std::min(block, io_timeout * 3 / 4);
  return block;
}

redis_reply event_log::blocking_read(const redis_commands& cmd, std::chrono::milliseconds wait, wakeup* wake,
                                     reply_visitor& entries) {
  if (wake != nullptr && wait.count() > 0) return conn_.command(cmd, *wake, entries);
  return conn_.command(cmd, entries);
}

std::vector<append_result> event_log::append(const std::vector<event>& events) {
  for (const auto& ev : events) {
    if (ev.id.empty()) throw std::invalid_argument("append: event without id");
  }
  std::vector<append_result> results;
  if (events.empty()) return results;
  if (script_sha_.empty() && std::any_of(events.begin(), events.end(), [](const event& ev) { return ev.client_id; })) {
    load_script();
  }

  auto format = write_format();
  redis_commands cmds;
  for (size_t i = 0; i < events.size(); ++i) {
    const event& ev = events[i];
    if (ev.client_id) add_dedupe_append(cmds, script_sha_, names_, ttl_seconds_, ev, format);
    else add_xadd(cmds, names_.events, ev, format);
  }

  results.resize(events.size());
  auto accept = [&](size_t i, const redis_reply& r) {
    results[i].id = events[i].id;
    if (!events[i].client_id) {
      if (r.type != reply_kind::string) throw_reply("XADD of event " + events[i].id, r);
      return;
    }
    if (r.type != reply_kind::array || r.elements.size() != 2 || r.elements[0].type != reply_kind::integer) {
      throw_reply("dedupe append of event " + events[i].id, r);
    }
    results[i].duplicate = r.elements[0].integer == 1;
  };

  auto replies = conn_.pipeline(cmds);
  std::vector<size_t> unknown_script;
  for (size_t i = 0; i < replies.size(); ++i) {
    if (events[i].client_id && is_error(replies[i], "NOSCRIPT")) unknown_script.push_back(i);
    else accept(i, replies[i]);
  }
  if (unknown_script.empty()) return results;

  // Redis lost its script cache. Nothing ran for these entries, so they alone
  // are sent again behind a SCRIPT LOAD, in the same round trip.
  redis_commands retry;
  retry.add({"SCRIPT", "LOAD", kDedupeScript});
  for (size_t i : unknown_script) add_dedupe_append(retry, script_sha_, names_, ttl_seconds_, events[i], format);
  auto again = conn_.pipeline(retry);
  if (again[0].type != reply_kind::string) throw_reply("SCRIPT LOAD", again[0]);
  script_sha_ = std::move(again[0].str);
  for (size_t k = 0; k < unknown_script.size(); ++k) accept(unknown_script[k], again[k + 1]);
  return results;
}

log_format event_log::write_format() {
  auto now = std::chrono::steady_clock::now();
  if (format_checked_ != std::chrono::steady_clock::time_point{} && now - format_checked_ < format_recheck)
    return format_;
  auto reply = conn_.command({"EVAL", kFormatScript, "2", names_.format, names_.events,
                              std::to_string(static_cast<int>(newest_log_format))});
  if (reply.type != reply_kind::string) throw_reply("log format", reply);
  // A setting above what this build writes means every reader is newer than
  // this build: the newest format it knows is safe. Anything else is format 1.
  long long setting = std::strtoll(reply.str.c_str(), nullptr, 10);
  format_ = setting >= static_cast<long long>(newest_log_format) ? newest_log_format : log_format::fields;
  format_checked_ = now;
  return format_;
}

void event_log::ensure_group() {
  auto reply = conn_.command({"XGROUP", "CREATE", names_.events, names_.group, "0", "MKSTREAM"});
  if (reply.type == reply_kind::error && !is_error(reply, "BUSYGROUP")) throw_reply("XGROUP CREATE", reply);
}

std::vector<logged_event> event_log::read_group(const std::string& consumer, size_t count,
                                                std::chrono::milliseconds block, wakeup* wake) {
  std::vector<logged_event> out;
  if (count == 0) return out;
  auto wait = clamp_block(block, conn_.endpoint().io_timeout);
  const decimal count_arg(count), block_arg(wait.count());
  auto& cmd = commands_;
  cmd.clear();
  cmd.begin(wait.count() > 0 ? 11 : 9);
  for (std::string_view a : {std::string_view("XREADGROUP"), std::string_view("GROUP"), std::string_view(names_.group),
                             std::string_view(consumer), std::string_view("COUNT"), count_arg.view()})
    cmd.arg(a);
  if (wait.count() > 0) {
    cmd.arg("BLOCK");
    cmd.arg(block_arg.view());
  }
  cmd.arg("STREAMS");
  cmd.arg(names_.events);
  cmd.arg(">");
  stream_read_reply entries(names_.events, &out);
  auto reply = blocking_read(cmd, wait, wake, entries);
  if (is_error(reply, "NOGROUP")) {
    ensure_group();
    return out;
  }
  if (reply.type != reply_kind::nil) expect_array(reply, "XREADGROUP");
  return out;
}

std::vector<logged_event> event_log::claim_stale(const std::string& consumer, std::chrono::milliseconds min_idle,
                                                 size_t count, std::string* cursor) {
  std::vector<logged_event> claimed;
  if (count == 0) return claimed;
  std::string start = cursor != nullptr && !cursor->empty() ? *cursor : "0-0";
  auto reply = conn_.command({"XAUTOCLAIM", names_.events, names_.group, consumer, std::to_string(min_idle.count()),
                              start, "COUNT", std::to_string(count)});
  if (is_error(reply, "NOGROUP")) {
    ensure_group();
    return claimed;
  }
  expect_array(reply, "XAUTOCLAIM");
  if (reply.elements.size() < 2) throw_reply("XAUTOCLAIM", reply);
  if (cursor != nullptr) *cursor = std::move(reply.elements[0].str);

  // Redis 7 lists deleted entries third; Redis 6.2 returns them with nil
  // fields. Either way they can never be processed, only acknowledged.
  std::vector<std::string> gone;
  split_held(reply.elements[1], claimed, gone);
  if (reply.elements.size() >= 3) {
    for (auto& id : reply.elements[2].elements) gone.push_back(std::move(id.str));
  }
  return keep_pending(consumer, std::move(claimed), std::move(gone));
}

std::vector<logged_event> event_log::read_own_pending(const std::string& consumer, size_t count, std::string* after) {
  std::vector<logged_event> held;
  if (count == 0 || after->empty()) return held;
  auto reply = conn_.command(
      {"XREADGROUP", "GROUP", names_.group, consumer, "COUNT", std::to_string(count), "STREAMS", names_.events, *after});
  if (is_error(reply, "NOGROUP")) {
    ensure_group();
    after->clear();
    return held;
  }
  expect_array(reply, "XREADGROUP");
  if (reply.elements.empty() || reply.elements[0].elements.size() != 2) throw_reply("XREADGROUP", reply);
  auto& entries = reply.elements[0].elements[1];
  // Deleted entries count toward the page too: a short page is the end.
  if (entries.elements.size() < count) after->clear();
  else *after = entries.elements.back().elements[0].str;
  std::vector<std::string> gone;
  split_held(entries, held, gone);
  return keep_pending(consumer, std::move(held), std::move(gone));
}

std::vector<logged_event> event_log::keep_pending(const std::string& consumer, std::vector<logged_event> entries,
                                                  std::vector<std::string> gone) {
  if (entries.empty() && gone.empty()) return entries;
  // One XPENDING per entry rather than one over the id range: a range query
  // with COUNT n can be filled by unclaimed entries that sit between them.
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(entries.size() + 1);
  for (const auto& e : entries) {
    cmds.push_back({"XPENDING", names_.events, names_.group, e.stream_id, e.stream_id, "1"});
  }
  if (!gone.empty()) {
    std::vector<std::string> ack{"XACK", names_.events, names_.group};
    ack.insert(ack.end(), std::make_move_iterator(gone.begin()), std::make_move_iterator(gone.end()));
    cmds.push_back(std::move(ack));
  }
  auto replies = conn_.pipeline(cmds);
  if (!gone.empty() && replies.back().type != reply_kind::integer) throw_reply("XACK", replies.back());

  // An entry no longer pending at `consumer` was acknowledged by its old
  // owner (its outcome is written) or claimed again by someone else.
  size_t kept = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& r = replies[i];
    expect_array(r, "XPENDING");
    if (r.elements.empty() || r.elements[0].elements.size() < 4) continue;
    const auto& record = r.elements[0].elements;
    if (record[1].str != consumer) continue;
    entries[i].deliveries = static_cast<uint32_t>(record[3].integer);
    if (kept != i) entries[kept] = std::move(entries[i]);
    ++kept;
  }
  entries.resize(kept);
  return entries;
}

std::vector<std::string> event_log::refresh_claims(const std::string& consumer, const std::vector<std::string>& ids) {
  std::vector<std::string> kept;
  if (ids.empty()) return kept;
  std::vector<std::string> argv{"EVAL", kRefreshScript, "1", names_.events, names_.group, consumer};
  argv.insert(argv.end(), ids.begin(), ids.end());
  auto reply = conn_.command(argv);
  expect_array(reply, "refresh_claims");
  kept.reserve(reply.elements.size());
  for (auto& id : reply.elements) kept.push_back(std::move(id.str));
  return kept;
}

void event_log::complete(const std::vector<outcome>& outcomes, const std::vector<std::string>& acked_stream_ids) {
  if (outcomes.empty() && acked_stream_ids.empty()) return;
  auto& cmds = commands_;
  cmds.clear();
  cmds.add({"MULTI"});
  for (const auto& o : outcomes) {
    cmds.add({"XADD", names_.outcomes, "*", "id", o.event_id, "status", status_name(o.status), "detail", o.detail,
              "attempts", std::to_string(o.attempts), "at", std::to_string(o.processed_at_ms), "tp", o.traceparent});
  }
  if (!acked_stream_ids.empty()) {
    cmds.begin(3 + acked_stream_ids.size());
    cmds.arg("XACK");
    cmds.arg(names_.events);
    cmds.arg(names_.group);
    for (const auto& id : acked_stream_ids) cmds.arg(id);
  }
  cmds.add({"EXEC"});

  // The commands in order: MULTI, one XADD per outcome, XACK if any, EXEC.
  auto name_of = [&](size_t i) -> std::string {
    if (i == 0) return "MULTI";
    if (i <= outcomes.size()) return "XADD";
    return i + 1 < cmds.size() ? "XACK" : "EXEC";
  };
  auto replies = conn_.pipeline(cmds);
  // A command rejected while queueing makes EXEC fail with EXECABORT; its own
  // error says why, so report that one.
  for (size_t i = 0; i + 1 < replies.size(); ++i) {
    if (replies[i].type == reply_kind::error) throw_reply("complete (" + name_of(i) + ")", replies[i]);
  }
  const auto& exec = replies.back();
  expect_array(exec, "EXEC");
  for (size_t i = 0; i < exec.elements.size(); ++i) {
    if (exec.elements[i].type == reply_kind::error) throw_reply("complete (" + name_of(i + 1) + ")", exec.elements[i]);
  }
}

event_log::tail_batch event_log::read_tail(const std::string& after_events, const std::string& after_outcomes,
                                           size_t count, std::chrono::milliseconds block, wakeup* wake) {
  tail_batch batch;
  if (count == 0) return batch;
  auto wait = clamp_block(block, conn_.endpoint().io_timeout);
  const decimal count_arg(count), block_arg(wait.count());
  auto& cmd = commands_;
  cmd.clear();
  cmd.begin(wait.count() > 0 ? 10 : 8);
  cmd.arg("XREAD");
  cmd.arg("COUNT");
  cmd.arg(count_arg.view());
  if (wait.count() > 0) {
    cmd.arg("BLOCK");
    cmd.arg(block_arg.view());
  }
  cmd.arg("STREAMS");
  cmd.arg(names_.events);
  cmd.arg(names_.outcomes);
  cmd.arg(after_events.empty() ? "0-0" : after_events);
  cmd.arg(after_outcomes.empty() ? "0-0" : after_outcomes);
  stream_read_reply entries(names_.events, &batch.events, names_.outcomes, &batch.outcomes);
  auto reply = blocking_read(cmd, wait, wake, entries);
  if (reply.type != reply_kind::nil) expect_array(reply, "XREAD");
  return batch;
}

event_log::log_position event_log::position() {
  auto replies = conn_.pipeline({{"XREVRANGE", names_.events, "+", "-", "COUNT", "1"},
                                 {"XREVRANGE", names_.outcomes, "+", "-", "COUNT", "1"},
                                 {"XINFO", "GROUPS", names_.events}});
  log_position pos;
  pos.events_last_id = last_id(replies[0], names_.events);
  pos.outcomes_last_id = last_id(replies[1], names_.outcomes);
  if (replies[2].type == redis_reply::kind::error)
    return pos;  // no stream yet
  expect_array(replies[2], "XINFO GROUPS");
  for (const auto& group : replies[2].elements) {
    const auto& kv = group.elements;
    bool ours = false;
    for (size_t i = 0; i + 1 < kv.size(); i += 2)
      ours = ours || (kv[i].str == "name" && kv[i + 1].str == names_.group);
    if (!ours)
      continue;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) {
      if (kv[i].str == "pending")
        pos.pending = kv[i + 1].integer;
      else if (kv[i].str == "lag")
        pos.lag = kv[i + 1].type == redis_reply::kind::integer ? kv[i + 1].integer : -1;
    }
  }
  return pos;
}

}  // namespace eventbed
