// The write side of the SQLite projection: the events table that answers
// GET /events/{id} and GET /stats, and the widget summary that answers
// GET /summary (widget_summary.hpp), rebuilt from the Redis streams at will.
//
// Exactly-once in effect on top of at-least-once delivery: apply() stores a
// batch of stream entries and the stream offsets it reached in one
// transaction, so after a crash the projector resumes from a checkpoint that
// matches the rows exactly. Rows are upserted by event id and the first entry
// in stream order wins, so replaying entries, duplicate outcomes and outcomes
// that arrive before their event all converge on one table: a projection
// rebuilt from the log, in any batch split, is identical row for row
// (see projection_dump.hpp).
//
// One projector thread owns a projection. Readers use projection_reader on
// their own connections; WAL mode lets them read while apply() writes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/schema_versions.hpp"
#include "storage/event.hpp"

namespace eventbed {

// Bumped whenever the schema or the meaning of a column changes. A projection
// is only a cache of the log, so an old file is deleted and rebuilt, not migrated.
// 2: apply() keeps type_counts; a version 1 file has triggers that would count twice.
// 3: the CloudEvents columns datacontenttype and attributes; data may be a BLOB.
// 4: the widget summary (widget_summary.hpp) and projection_meta.
inline constexpr int projection_schema_version = 4;

// The schema version of the projection file at `path`, or nullopt if there is
// no such file. Lets the projector rebuild a file an older build wrote.
// Throws storage_error if the file exists but is not an SQLite database.
std::optional<int> stored_projection_schema(const std::string& path);

// The event schema versions (schema_version_set::to_string()) a file of this
// schema version was built knowing; "" for a file of another schema version.
std::string stored_projection_schema_versions(const std::string& path);

// The last entry of each stream the projection has applied ("0-0": none).
struct checkpoint {
  std::string events = "0-0";
  std::string outcomes = "0-0";
};

class projection {
 public:
  // Opens the database at `path`, creating the file and schema if missing.
  // Journal mode WAL with synchronous=NORMAL: a commit is one WAL append with
  // no fsync, and a power loss can only drop the last commits, which the
  // checkpoint rolls back with them, so they are simply re-read from the log.
  // Throws storage_error if the file holds another schema version, or was
  // built knowing other event schema versions than `known`.
  explicit projection(const std::string& path, schema_version_set known = {});
  ~projection();
  projection(projection&&) noexcept;
  projection& operator=(projection&&) noexcept;

  checkpoint read_checkpoint();

  // Applies the batch and stores `reached` in ONE transaction: either all of
  // it is visible afterwards or, if this throws (storage_error), none of it.
  // Events are applied before outcomes. For each event id:
  //  - event: inserts a row with status "accepted", or fills the event fields
  //    of a row an outcome created first, leaving its status alone;
  //  - outcome: the first outcome in stream order sets status, detail,
  //    attempts and processed_at; later ones for the same id change nothing;
  //    without a row yet, it inserts one holding just the outcome.
  void apply(const std::vector<logged_event>& events, const std::vector<logged_outcome>& outcomes,
             const checkpoint& reached);

  // widget.produced events the summary could not read, as committed
  // (widget_summary.hpp): what eventbed_projection_skipped_events reports.
  int64_t skipped_summary_events();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace eventbed
