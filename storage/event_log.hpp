// The durable log: eventbed's two Redis streams and the consumer group.
//
// This is the source of truth; every other store is a projection of it. The
// class only maps eventbed's operations to stream commands, so it holds no
// state beyond the dedupe script's SHA and the log's format setting, and is
// as blocking as the connection it runs on (use it from one thread, outside
// any CAF scheduler thread).
//
// Durable entry format:
//   events   : format 1 (a field per member) or format 2 (one packed field);
//              storage/event_entry.hpp. Readers accept both, in any mix.
//   outcomes : id, status ("processed" | "failed"), detail, attempts, at (ms), tp
//              (field order does not matter; a missing field reads as empty,
//              or as the struct default for numbers)
// An unknown status reads as failed, never as a success nobody recorded.
//
// Which format appends write is the log's setting, the key log_names::format
// ("1" or "2"), read at most once a second. Unset, a log no entry was ever
// added to starts on format 2 (and the key is set); an older log stays on
// format 1, which every earlier build reads, until an operator sets the key
// to 2 once no process older than this build runs (storage/README.md#format).
//
// Every call throws storage_error when Redis cannot be reached or answers a
// command with an error. Blocking reads are clamped to 3/4 of the
// connection's io_timeout: a BLOCK longer than the socket timeout would look
// like a dead server and drop the connection.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "storage/event.hpp"
#include "storage/event_entry.hpp"
#include "storage/log_names.hpp"
#include "storage/redis_commands.hpp"
#include "storage/redis_connection.hpp"
#include "storage/wakeup.hpp"

namespace eventbed {

class event_log {
 public:
  // dedupe_ttl: how long a client-supplied id is remembered (must be >= 1 s).
  event_log(redis_connection& conn, log_names names = {}, std::chrono::seconds dedupe_ttl = std::chrono::hours(24));

  // Appends a batch in one pipelined round trip; results are in input order.
  // An event whose id the client chose (event::client_id) goes through a
  // Lua script that, atomically, returns the remembered entry if the id was
  // seen within dedupe_ttl (duplicate = true, nothing written), or appends
  // the event and remembers the id. Other ids are fresh UUIDv7s and are
  // appended with a plain XADD. Duplicates within one batch are caught too.
  // The script is loaded once with SCRIPT LOAD and run with EVALSHA; if Redis
  // forgot it (restart, SCRIPT FLUSH), only the entries that got NOSCRIPT are
  // sent again, with the script reloaded, in a second round trip: the plain
  // XADDs of the batch have already been written and must not be repeated.
  // Throws std::invalid_argument on an empty event id.
  // When it throws, some events of the batch may have been written: report
  // none as accepted, and let clients retry (at-least-once).
  std::vector<append_result> append(const std::vector<event>& events);

  // The format append() writes in now: the log's setting, asked of Redis when
  // the last answer is more than a second old.
  log_format write_format();

  // Creates the consumer group at the start of the stream (and the stream
  // itself if needed), so events appended before any processor existed are
  // processed. Idempotent.
  void ensure_group();

  // New entries for `consumer` (XREADGROUP ... >), deliveries = 1. Waits up to
  // `block` when there are none; zero does not wait, and a signal of `wake`
  // ends the wait early (redis_connection::command). If the group is missing
  // (Redis lost its data), recreates it and returns nothing this time.
  std::vector<logged_event> read_group(const std::string& consumer, size_t count, std::chrono::milliseconds block,
                                       wakeup* wake = nullptr);

  // Takes over up to `count` entries that another consumer left pending for
  // at least `min_idle` (XAUTOCLAIM). *cursor is the scan position: "0-0"
  // starts a pass, and it is "0-0" again when the pass has wrapped around.
  // deliveries is read back from the pending list, so the caller can
  // dead-letter an entry past its delivery limit. Entries that were deleted
  // from the stream, or acknowledged by their old owner while being claimed,
  // are acknowledged and not returned.
  std::vector<logged_event> claim_stale(const std::string& consumer, std::chrono::milliseconds min_idle, size_t count,
                                        std::string* cursor);

  // This consumer's own pending entries (XREADGROUP ... STREAMS events <id>):
  // what it was handed before a lost connection or a restart and never
  // acknowledged, read back at once instead of after a claim-idle takeover.
  // Up to `count` entries after *after ("0-0" starts); *after becomes the last
  // id read, or empty once the list is exhausted, so a pass reads each entry
  // once. Redis counts such a read as a delivery but does not return the
  // count, so deliveries is read back from the pending list as in
  // claim_stale(). Entries deleted from the stream are acknowledged and not
  // returned. A missing group is recreated and ends the pass.
  std::vector<logged_event> read_own_pending(const std::string& consumer, size_t count, std::string* after);

  // Resets the idle time of those `ids` still pending at `consumer` (XCLAIM
  // ... 0 JUSTID, which counts no delivery) and returns them, so a batch that
  // is slow but alive is not taken over. An id taken over by another consumer
  // or no longer pending is left alone and not returned.
  std::vector<std::string> refresh_claims(const std::string& consumer, const std::vector<std::string>& ids);

  // Appends the outcomes and acknowledges the entries in one MULTI/EXEC round
  // trip, so an entry is never acknowledged without its outcome in the log.
  void complete(const std::vector<outcome>& outcomes, const std::vector<std::string>& acked_stream_ids);

  // The projector's view: entries after the given ids of both streams (up to
  // `count` from each), waiting up to `block` if there are none, or until
  // `wake` is signalled.
  struct tail_batch {
    std::vector<logged_event> events;
    std::vector<logged_outcome> outcomes;
  };
  tail_batch read_tail(const std::string& after_events, const std::string& after_outcomes, size_t count,
                       std::chrono::milliseconds block, wakeup* wake = nullptr);

  // For readiness and lag metrics. Last ids are "0-0" for an empty stream;
  // pending and lag are 0 when the group does not exist yet. lag is the number
  // of entries not yet delivered to the group (Redis 7 XINFO GROUPS), -1 when
  // Redis cannot tell (after deletions in the stream).
  struct log_position {
    std::string events_last_id, outcomes_last_id;
    long long pending = 0;
    long long lag = 0;
  };
  log_position position();

  const log_names& names() const { return names_; }

 private:
  void load_script();
  // A read that waits `wait` on the server: interruptible when given a wakeup.
  // The reply's entries go to `entries` as they are parsed (redis_connection::command with a reply_visitor).
  redis_reply blocking_read(const redis_commands& cmd, std::chrono::milliseconds wait, wakeup* wake,
                            reply_visitor& entries);
  // The entries still pending at `consumer`, with their delivery counts;
  // acknowledges `gone` (deleted from the stream) in the same round trip.
  std::vector<logged_event> keep_pending(const std::string& consumer, std::vector<logged_event> entries,
                                         std::vector<std::string> gone);

  redis_connection& conn_;
  log_names names_;
  std::string ttl_seconds_;
  std::string script_sha_;
  log_format format_ = log_format::fields;
  // The buffer the consumers' commands (read_group, read_tail, complete) are
  // encoded into, kept from call to call: one allocation instead of one a call.
  redis_commands commands_;
  std::chrono::steady_clock::time_point format_checked_{};
};

// One field of an outcomes entry, into a fresh `out`, by the rules above: for
// a reader that sees the fields as they are parsed (storage/stream_read_reply.hpp).
void decode_outcome_field(std::string_view name, std::string_view value, outcome& out);

// How long a blocking read asks Redis to wait: `block`, at most 3/4 of
// `io_timeout` (which 0 disables), and never negative. Every read of
// event_log goes through it.
std::chrono::milliseconds clamp_block(std::chrono::milliseconds block,
                                      std::chrono::milliseconds io_timeout);

}  // namespace eventbed
