#include "storage/sqlite.hpp"

#include <sqlite3.h>

#include "storage/storage_error.hpp"

namespace eventbed::sqlite {

namespace {

[[noreturn]] void throw_error(const std::string& what, const char* message, const std::string& path) {
  throw storage_error("sqlite: " + what + ": " + (message ? message : "unknown error") + " (" + path + ")");
}

}  // namespace

database::database(const std::string& path, open_mode mode) : path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= mode == open_mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    // A handle is returned even on failure; it holds the message and must be closed.
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw_error("open", message.c_str(), path);
  }
}

database::~database() { sqlite3_close_v2(db_); }

void database::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

int64_t database::query_integer(const char* sql) {
  statement s(*this, sql);
  reset_guard guard(s);
  if (!s.step()) fail(std::string("no answer to ") + sql);
  return s.integer(0);
}

void database::busy_timeout_ms(int ms) { sqlite3_busy_timeout(db_, ms); }

int database::changes() const { return sqlite3_changes(db_); }

void database::rollback_if_open() noexcept {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void database::fail(const std::string& what) const { throw_error(what, sqlite3_errmsg(db_), path_); }

statement::statement(database& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    db.fail(std::string("prepare ") + sql);
  }
}

statement::~statement() { sqlite3_finalize(stmt_); }

void statement::bind(int index, const std::string& text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC) != SQLITE_OK) {
    db_.fail(std::string("bind ") + sqlite3_sql(stmt_));
  }
}

void statement::bind_blob(int index, const std::string& bytes) {
  if (sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC) != SQLITE_OK) {
    db_.fail(std::string("bind ") + sqlite3_sql(stmt_));
  }
}

void statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail(std::string("bind ") + sqlite3_sql(stmt_));
}

void statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail(std::string("bind ") + sqlite3_sql(stmt_));
}

bool statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Keep the message before reset() can replace it.
  std::string message = sqlite3_errmsg(db_.handle());
  reset();
  throw_error(sqlite3_sql(stmt_), message.c_str(), db_.path());
}

void statement::run() {
  reset_guard guard(*this);
  while (step()) {
  }
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

bool statement::is_blob(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_BLOB; }

std::string statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

int64_t statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

}  // namespace eventbed::sqlite
