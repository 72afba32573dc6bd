#include "storage/projection_reader.hpp"

#include "storage/checkpoint_reader.hpp"
#include "storage/sqlite.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

// Readers never wait in normal operation (WAL); only recovery after a crashed
// writer or a WAL reset locks them out, and briefly. Bounded so a query fails
// with an error instead of hanging an HTTP request.
constexpr int reader_busy_timeout_ms = 1000;

constexpr const char* find_sql = R"sql(
SELECT type, source, data, traceparent, status, accepted_at_ms, processed_at_ms, attempts, detail,
       datacontenttype, attributes
  FROM events WHERE id = ?1 AND stream_id IS NOT NULL
)sql";

constexpr const char* stats_sql = "SELECT type, total, processed, failed FROM type_counts";

// Returns true if the file holds this build's schema; throws otherwise.
// Another set of known event schema versions is no reason to refuse: the
// projector of this process rebuilds such a file before readers open it.
bool check_schema(sqlite::database& db) {
  db.busy_timeout_ms(reader_busy_timeout_ms);
  auto version = db.query_integer("PRAGMA user_version");
  if (version != projection_schema_version) {
    throw storage_error("sqlite: " + db.path() + " has projection schema " + std::to_string(version) +
                        " (0: not created yet), this build reads " + std::to_string(projection_schema_version));
  }
  return true;
}

}  // namespace

struct projection_reader::impl {
  sqlite::database db;
  bool schema_checked;  // declared before the statements: preparing them needs the tables
  sqlite::statement find, stats;
  checkpoint_reader checkpoints;

  explicit impl(const std::string& path)
      : db(path, sqlite::open_mode::read_only),
        schema_checked(check_schema(db)),
        find(db, find_sql),
        stats(db, stats_sql),
        checkpoints(db) {}
};

projection_reader::projection_reader(const std::string& path) : impl_(std::make_unique<impl>(path)) {}
projection_reader::~projection_reader() = default;
projection_reader::projection_reader(projection_reader&&) noexcept = default;
projection_reader& projection_reader::operator=(projection_reader&&) noexcept = default;

std::optional<event_record> projection_reader::find(const std::string& id) {
  auto& s = impl_->find;
  sqlite::reset_guard guard(s);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  event_record r;
  r.id = id;
  r.type = s.text(0);
  r.source = s.text(1);
  r.binary_data = s.is_blob(2);  // before text(), which converts the value
  r.data = s.text(2);
  r.traceparent = s.text(3);
  r.status = s.text(4);
  r.accepted_at_ms = s.integer(5);
  r.processed_at_ms = s.integer(6);
  r.attempts = static_cast<uint32_t>(s.integer(7));
  r.detail = s.text(8);
  r.datacontenttype = s.text(9);
  r.attributes = s.text(10);
  return r;
}

projection_stats projection_reader::stats() {
  auto& s = impl_->stats;
  sqlite::reset_guard guard(s);
  projection_stats st;
  st.by_status = {{"accepted", 0}, {"processed", 0}, {"failed", 0}};
  while (s.step()) {
    long long total = s.integer(1), processed = s.integer(2), failed = s.integer(3);
    long long accepted = total - processed - failed;
    st.by_type[s.text(0)] = {{"accepted", accepted}, {"processed", processed}, {"failed", failed}};
    st.by_status["accepted"] += accepted;
    st.by_status["processed"] += processed;
    st.by_status["failed"] += failed;
    st.total += total;
  }
  return st;
}

widget_summary projection_reader::summary(const summary_query& q) {
  return read_widget_summary(impl_->db, q);
}

checkpoint projection_reader::read_checkpoint() {
  return impl_->checkpoints.read();
}

}  // namespace eventbed
