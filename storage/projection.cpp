#include "storage/projection.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "storage/checkpoint_reader.hpp"
#include "storage/sqlite.hpp"
#include "storage/storage_error.hpp"
#include "storage/widget_summary.hpp"

namespace eventbed {

namespace {

// A row exists once either the event or an outcome for its id was applied;
// stream_id is NULL until the event was, outcome_stream_id until an outcome was.
//
// GET /stats reads type_counts, one row per type, kept exact by apply() in the
// same transaction as the rows. "accepted" is total - processed - failed, so a
// counter only ever grows and a rebuild gives the same rows whatever the batch
// split. Rows holding just an outcome are not counted until their event
// arrives, the rule find() follows too. Of the ways measured (an index with
// GROUP BY, triggers, counting here), counting in apply() costs the least on
// both sides, and a CHECK constraint on status costs much more than it is
// worth, so there is none (bench/README.md, "What each design choice is worth").
//
// data is TEXT when it is JSON and a BLOB when it is the raw bytes of a
// non-JSON payload (event::binary_data): the value's own storage type says
// which, so it needs no column of its own.
constexpr const char* schema_sql = R"sql(
CREATE TABLE events(
  id TEXT PRIMARY KEY,
  type TEXT,
  source TEXT,
  data,
  traceparent TEXT,
  datacontenttype TEXT,
  attributes TEXT,
  stream_id TEXT,
  accepted_at_ms INTEGER,
  status TEXT NOT NULL,
  detail TEXT,
  attempts INTEGER,
  processed_at_ms INTEGER,
  outcome_stream_id TEXT);
CREATE TABLE checkpoints(stream TEXT PRIMARY KEY, last_id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE type_counts(
  type TEXT PRIMARY KEY,
  total INTEGER NOT NULL,
  processed INTEGER NOT NULL,
  failed INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE projection_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 4;
)sql";
static_assert(projection_schema_version == 4, "schema_sql sets user_version: update both");

// The event schema versions the file was built knowing: a process that knows
// others reads the log differently, so it rebuilds instead of reusing the file.
constexpr const char* select_versions_sql = "SELECT value FROM projection_meta WHERE key = 'schema_versions'";
constexpr const char* store_versions_sql = "INSERT INTO projection_meta (key, value) VALUES ('schema_versions', ?1)";

constexpr const char* insert_event_sql = R"sql(
INSERT INTO events (id, type, source, data, traceparent, datacontenttype, attributes, stream_id,
                    accepted_at_ms, status)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'accepted')
  ON CONFLICT (id) DO NOTHING
)sql";

// An event and its first outcome at once: the common case during a replay.
constexpr const char* insert_processed_event_sql = R"sql(
INSERT INTO events (id, type, source, data, traceparent, datacontenttype, attributes, stream_id,
                    accepted_at_ms, status, detail, attempts, processed_at_ms, outcome_stream_id)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
  ON CONFLICT (id) DO NOTHING
)sql";

constexpr const char* fill_event_sql = R"sql(
UPDATE events SET type = ?2, source = ?3, data = ?4, traceparent = ?5, datacontenttype = ?6, attributes = ?7,
                  stream_id = ?8, accepted_at_ms = ?9
  WHERE id = ?1
)sql";

constexpr const char* insert_outcome_sql = R"sql(
INSERT INTO events (id, status, detail, attempts, processed_at_ms, outcome_stream_id)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6)
)sql";

constexpr const char* set_outcome_sql = R"sql(
UPDATE events SET status = ?2, detail = ?3, attempts = ?4, processed_at_ms = ?5, outcome_stream_id = ?6
  WHERE id = ?1
)sql";

constexpr const char* select_row_sql = R"sql(
SELECT type, status, stream_id IS NOT NULL, outcome_stream_id IS NOT NULL FROM events WHERE id = ?1
)sql";

constexpr const char* add_counts_sql = R"sql(
INSERT INTO type_counts (type, total, processed, failed) VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (type) DO UPDATE SET total = total + excluded.total,
    processed = processed + excluded.processed, failed = failed + excluded.failed
)sql";

constexpr const char* store_checkpoint_sql = R"sql(
INSERT INTO checkpoints (stream, last_id) VALUES ('events', ?1), ('outcomes', ?2)
  ON CONFLICT (stream) DO UPDATE SET last_id = excluded.last_id
)sql";

const std::string& status_name(outcome_status status) {
  static const std::string processed = "processed", failed = "failed";
  switch (status) {
    case outcome_status::processed: return processed;
    case outcome_status::failed: return failed;
  }
  throw std::invalid_argument("unknown outcome_status " + std::to_string(static_cast<int>(status)));
}

std::string read_versions(sqlite::database& db) {
  sqlite::statement s(db, select_versions_sql);
  sqlite::reset_guard guard(s);
  return s.step() ? s.text(0) : "";
}

// Returns true once the file holds the current schema, creating it in an empty file.
bool open_schema(sqlite::database& db, const schema_version_set& known) {
  // Another writer (a second projector, `projection verify`) may hold the lock briefly.
  db.busy_timeout_ms(5000);
  db.exec("BEGIN IMMEDIATE");
  try {
    auto version = db.query_integer("PRAGMA user_version");
    if (version == 0) {
      if (db.query_integer("SELECT count(*) FROM sqlite_master") != 0) {
        throw storage_error("sqlite: " + db.path() + " is not an eventbed projection");
      }
      db.exec(schema_sql);
      db.exec(widget_summary_schema_sql);
      sqlite::statement store(db, store_versions_sql);
      auto versions = known.to_string();
      store.bind(1, versions);
      store.run();
    } else if (version != projection_schema_version) {
      throw storage_error("sqlite: " + db.path() + " has projection schema " + std::to_string(version) +
                          ", this build needs " + std::to_string(projection_schema_version) +
                          ": delete it and the projection is rebuilt from the log");
    } else if (auto versions = read_versions(db); versions != known.to_string()) {
      throw storage_error("sqlite: " + db.path() + " was built knowing schema versions " + versions +
                          ", this process knows " + known.to_string() +
                          ": delete it and the projection is rebuilt from the log");
    }
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_if_open();
    throw;
  }
  // Only now, so a file that is not ours is left as it was. Persistent: readers open it in WAL too.
  {
    sqlite::statement wal(db, "PRAGMA journal_mode = WAL");
    sqlite::reset_guard guard(wal);
    std::string mode = wal.step() ? wal.text(0) : "";
    if (mode != "wal") throw storage_error("sqlite: " + db.path() + " stayed in journal mode '" + mode + "', WAL is required");
  }
  db.exec("PRAGMA synchronous = NORMAL");
  return true;
}

}  // namespace

// What apply() needs to know about an existing row.
struct row_state {
  std::string type, status;
  bool has_event = false, has_outcome = false;
};

// What one apply() adds to a type's row in type_counts.
struct count_delta {
  int64_t total = 0, processed = 0, failed = 0;
  void add(const std::string& status) {
    if (status == "processed") ++processed;
    if (status == "failed") ++failed;
  }
};

struct projection::impl {
  sqlite::database db;
  bool schema_ready;  // declared before the statements: preparing them needs the tables
  sqlite::statement begin, commit, insert_event, insert_processed_event, fill_event, insert_outcome, set_outcome, select_row, add_counts,
      store_checkpoint;
  checkpoint_reader checkpoints;
  widget_summary_writer summary;

  impl(const std::string& path, schema_version_set known)
      : db(path, sqlite::open_mode::read_write_create),
        schema_ready(open_schema(db, known)),
        begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        insert_event(db, insert_event_sql),
        insert_processed_event(db, insert_processed_event_sql),
        fill_event(db, fill_event_sql),
        insert_outcome(db, insert_outcome_sql),
        set_outcome(db, set_outcome_sql),
        select_row(db, select_row_sql),
        add_counts(db, add_counts_sql),
        store_checkpoint(db, store_checkpoint_sql),
        checkpoints(db),
        summary(db, std::move(known)) {}

  std::optional<row_state> row(const std::string& id) {
    sqlite::reset_guard guard(select_row);
    select_row.bind(1, id);
    if (!select_row.step()) return std::nullopt;
    return row_state{select_row.text(0), select_row.text(1), select_row.integer(2) != 0, select_row.integer(3) != 0};
  }

  void bind_event(sqlite::statement& s, const logged_event& e) {
    s.bind(1, e.ev.id);
    s.bind(2, e.ev.type);
    s.bind(3, e.ev.source);
    if (e.ev.binary_data) s.bind_blob(4, e.ev.data);
    else s.bind(4, e.ev.data);
    s.bind(5, e.ev.traceparent);
    s.bind(6, e.ev.datacontenttype);
    s.bind(7, e.ev.attributes);
    s.bind(8, e.stream_id);
    s.bind(9, stream_id_ms(e.stream_id));
  }

  // Binds the outcome's fields from parameter `first` on (the id is ?1 in every statement).
  void bind_outcome(sqlite::statement& s, const logged_outcome& o, int first = 2) {
    s.bind(1, o.out.event_id);
    s.bind(first, status_name(o.out.status));
    s.bind(first + 1, o.out.detail);
    s.bind(first + 2, int64_t{o.out.attempts});
    s.bind(first + 3, o.out.processed_at_ms);
    s.bind(first + 4, o.stream_id);
  }

  // `outcome`: the first outcome for this id in the same batch, if any. A new
  // row then gets both in one INSERT, instead of an INSERT now and a SELECT and
  // an UPDATE when the outcome is applied: the row ends up the same, since
  // nothing came before either of them. Returns true if `outcome` was applied.
  bool apply_event(const logged_event& e, const logged_outcome* outcome,
                   std::map<std::string, count_delta>& counts) {
    auto& insert = outcome ? insert_processed_event : insert_event;
    bind_event(insert, e);
    if (outcome) bind_outcome(insert, *outcome, 10);
    insert.run();
    if (db.changes() == 1) {
      summary.add(e.ev);
      auto& c = counts[e.ev.type];
      ++c.total;
      if (outcome) c.add(status_name(outcome->out.status));
      return outcome != nullptr;
    }
    // The id has a row: a replay or a repeated id (the first entry stays), or
    // an outcome that came first, whose status the event must not reset.
    auto existing = row(e.ev.id).value();
    if (existing.has_event) return false;
    bind_event(fill_event, e);
    fill_event.run();
    summary.add(e.ev);
    auto& c = counts[e.ev.type];
    ++c.total;
    c.add(existing.status);
    return false;
  }

  // Reads the row first: usually its event is there already, and counting needs its type.
  void apply_outcome(const logged_outcome& o, std::map<std::string, count_delta>& counts) {
    auto existing = row(o.out.event_id);
    if (!existing) {  // the event is further along the events stream than the projector has read
      bind_outcome(insert_outcome, o);
      insert_outcome.run();
      return;
    }
    if (existing->has_outcome) return;  // a later outcome for the same event: the first stays
    // A row without an outcome always holds its event, so its type is known.
    bind_outcome(set_outcome, o);
    set_outcome.run();
    counts[existing->type].add(status_name(o.out.status));
  }

  void store_counts(const std::map<std::string, count_delta>& counts) {
    for (const auto& [type, c] : counts) {
      add_counts.bind(1, type);
      add_counts.bind(2, c.total);
      add_counts.bind(3, c.processed);
      add_counts.bind(4, c.failed);
      add_counts.run();
    }
  }
};

projection::projection(const std::string& path, schema_version_set known)
    : impl_(std::make_unique<impl>(path, std::move(known))) {}
projection::~projection() = default;
projection::projection(projection&&) noexcept = default;
projection& projection::operator=(projection&&) noexcept = default;

checkpoint projection::read_checkpoint() {
  return impl_->checkpoints.read();
}

void projection::apply(const std::vector<logged_event>& events, const std::vector<logged_outcome>& outcomes,
                       const checkpoint& reached) {
  auto& m = *impl_;
  std::map<std::string, count_delta> counts;
  // The first outcome of each id in this batch, by index, and which of them
  // were applied together with their event.
  std::unordered_map<std::string_view, size_t> first_outcome;
  first_outcome.reserve(outcomes.size());
  for (size_t i = 0; i < outcomes.size(); ++i) first_outcome.try_emplace(outcomes[i].out.event_id, i);
  std::vector<bool> applied(outcomes.size(), false);
  m.begin.run();
  try {
    for (const auto& e : events) {
      auto it = first_outcome.find(e.ev.id);
      const logged_outcome* outcome = nullptr;
      if (it != first_outcome.end() && !applied[it->second]) outcome = &outcomes[it->second];
      if (m.apply_event(e, outcome, counts)) applied[it->second] = true;
    }
    for (size_t i = 0; i < outcomes.size(); ++i)
      if (!applied[i]) m.apply_outcome(outcomes[i], counts);
    m.store_counts(counts);
    m.summary.store();
    m.store_checkpoint.bind(1, reached.events);
    m.store_checkpoint.bind(2, reached.outcomes);
    m.store_checkpoint.run();
    m.commit.run();
  } catch (...) {
    m.summary.discard();
    m.db.rollback_if_open();
    throw;
  }
}

int64_t projection::skipped_summary_events() {
  return impl_->summary.skipped_events();
}

std::optional<int> stored_projection_schema(const std::string& path) {
  if (!std::filesystem::exists(path))
    return std::nullopt;
  sqlite::database db(path, sqlite::open_mode::read_only);
  return static_cast<int>(db.query_integer("PRAGMA user_version"));
}

std::string stored_projection_schema_versions(const std::string& path) {
  if (stored_projection_schema(path).value_or(0) != projection_schema_version)
    return "";
  sqlite::database db(path, sqlite::open_mode::read_only);
  return read_versions(db);
}

}  // namespace eventbed
