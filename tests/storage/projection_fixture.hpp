// Shared by the projection tests: a fresh directory per test for real SQLite
// files, and builders for stream entries.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "storage/event.hpp"

namespace eventbed::test {

class projection_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eventbed-projection-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name = "projection.db") const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

// An event entry at stream id "<ms>-0", so accepted_at_ms is `ms`.
inline logged_event make_event(const std::string& id, const std::string& type, int64_t ms) {
  logged_event e;
  e.stream_id = std::to_string(ms) + "-0";
  e.ev.id = id;
  e.ev.type = type;
  e.ev.source = "test/" + type;
  e.ev.data = R"({"id":")" + id + R"(","n":1})";
  e.ev.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return e;
}

inline logged_outcome make_outcome(const std::string& event_id, outcome_status status, int64_t ms,
                                   uint32_t attempts = 1, const std::string& detail = R"({"ok":true})") {
  logged_outcome o;
  o.stream_id = std::to_string(ms) + "-0";
  o.out.event_id = event_id;
  o.out.status = status;
  o.out.detail = detail;
  o.out.attempts = attempts;
  o.out.processed_at_ms = ms;
  return o;
}

// Runs SQL on its own connection, as another process would: used to inject
// failures and to count rows independently of the code under test.
inline void exec_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// Rows of a query on its own connection, columns joined by '|' (NULL as "NULL").
inline std::vector<std::string> query_sql(const std::string& db_path, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
      row += (c ? "|" : "") + std::string(text ? text : "NULL");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

}  // namespace eventbed::test
