#include "storage/projection_dump.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>

#include "storage/sqlite.hpp"

namespace eventbed {

namespace {

void append_quoted(std::string& out, const unsigned char* p, int n) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (int i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void append_value(std::string& out, sqlite3_stmt* s, int column) {
  switch (sqlite3_column_type(s, column)) {
    case SQLITE_NULL:
      out += "NULL";
      break;
    case SQLITE_INTEGER:
      out += std::to_string(sqlite3_column_int64(s, column));
      break;
    case SQLITE_FLOAT: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(s, column));
      out += buf;
      break;
    }
    case SQLITE_TEXT:
      append_quoted(out, sqlite3_column_text(s, column), sqlite3_column_bytes(s, column));
      break;
    default: {
      static const char hex[] = "0123456789abcdef";
      const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, column));
      int n = sqlite3_column_bytes(s, column);
      out += "x'";
      for (int i = 0; i < n; ++i) {
        out += hex[p[i] >> 4];
        out += hex[p[i] & 0xf];
      }
      out += '\'';
    }
  }
}

std::string quoted_identifier(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + '"';
}

void dump_table(sqlite::database& db, const std::string& table, std::vector<std::string>& lines) {
  std::string sql = "SELECT * FROM " + quoted_identifier(table);
  sqlite::statement select(db, sql.c_str());
  sqlite::reset_guard guard(select);
  // Values are read through the C API because their storage type is part of the image.
  sqlite3_stmt* raw = select.handle();
  while (select.step()) {
    std::string line = table;
    for (int c = 0; c < sqlite3_column_count(raw); ++c) {
      line += '\t';
      line += sqlite3_column_name(raw, c);
      line += '=';
      append_value(line, raw, c);
    }
    lines.push_back(std::move(line));
  }
}

}  // namespace

std::vector<std::string> dump_projection(const std::string& path) {
  sqlite::database db(path, sqlite::open_mode::read_only);
  db.busy_timeout_ms(5000);
  std::vector<std::string> lines;
  db.exec("BEGIN");  // one read snapshot across all tables
  try {
    std::vector<std::string> tables;
    {
      sqlite::statement list(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
      sqlite::reset_guard guard(list);
      while (list.step()) tables.push_back(list.text(0));
    }
    for (const auto& table : tables) dump_table(db, table, lines);
    lines.push_back("pragma\tuser_version=" + std::to_string(db.query_integer("PRAGMA user_version")));
  } catch (...) {
    db.rollback_if_open();
    throw;
  }
  db.exec("COMMIT");
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace eventbed
