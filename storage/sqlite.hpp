// A thin RAII layer over the SQLite C API, shared by the projection's writer,
// readers and dump.
//
// It exists so every SQLite failure surfaces the same way: as a storage_error
// carrying SQLite's own message and the file path, thrown at the call that
// failed. Nothing here knows about eventbed's schema. sqlite3.h stays out of
// this header so that only the .cpp files using the C API see it.
#pragma once

#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace eventbed::sqlite {

// Open flags, mirroring SQLITE_OPEN_* without exposing sqlite3.h.
enum class open_mode { read_write_create, read_only };

// One connection. Not thread-safe: each thread opens its own (SQLite's
// per-connection mutex is disabled because no connection is ever shared).
class database {
 public:
  database(const std::string& path, open_mode mode);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Runs SQL that returns no rows.
  void exec(const char* sql);
  // Runs a query whose answer is one integer (a pragma, a count).
  int64_t query_integer(const char* sql);
  // How long a statement waits for a lock held by another connection before failing.
  void busy_timeout_ms(int ms);
  // Rolls back the open transaction, if any: SQLite ends some transactions on
  // its own after an error. Never throws, as it runs while an error propagates.
  void rollback_if_open() noexcept;
  // Rows changed by the last INSERT/UPDATE/DELETE; 0 after ON CONFLICT DO NOTHING skipped the row.
  int changes() const;

  // Throws storage_error("sqlite: <what>: <SQLite message> (<path>)").
  [[noreturn]] void fail(const std::string& what) const;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement, compiled once and reused for the connection's lifetime.
class statement {
 public:
  statement(database& db, const char* sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Text is bound without copying: the string must outlive the step()s that
  // use it. Every use ends in reset() (see reset_guard), which drops bindings.
  void bind(int index, const std::string& text);
  void bind(int index, int64_t value);
  void bind_null(int index);
  void bind_blob(int index, const std::string& bytes);  // the same, stored as a BLOB

  // Advances to the next row: true if a row is ready, false when done.
  // Throws on failure, after resetting the statement.
  bool step();
  // Steps a statement that returns no rows, then resets it.
  void run();
  // Ends the current use: releases the read snapshot and the bindings.
  void reset();

  // The value's storage type: ask before text(), which converts it.
  bool is_null(int column) const;
  bool is_blob(int column) const;
  std::string text(int column) const;  // "" for NULL; a BLOB's bytes
  int64_t integer(int column) const;   // 0 for NULL

  // For code that needs what this layer does not wrap (value types, column names).
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope that uses it ends, even by an exception.
// An un-reset SELECT would keep its WAL read snapshot open and stall checkpoints.
class reset_guard {
 public:
  explicit reset_guard(statement& s) : s_(s) {}
  ~reset_guard() { s_.reset(); }
  reset_guard(const reset_guard&) = delete;
  reset_guard& operator=(const reset_guard&) = delete;

 private:
  statement& s_;
};

}  // namespace eventbed::sqlite
