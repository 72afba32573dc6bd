// The monthly widget summary: the part of the SQLite projection that answers
// GET /summary, written in the same transaction as the events and the
// checkpoint (projection.hpp), so it is rebuilt from the log like the rest.
//
// One row per (year, month, sku):
//   manufactured_qty  sum over every version
//   defect_qty        sum over v2 and v3 events; NULL until one contributed
//   production_cost   sum of manufactured_qty x sku_manufacturing_cost over v3
//                     events; NULL until one contributed
// A month's base_cost (common/widget_costs.hpp) and total_manufacturing_cost
// (the sum of every SKU's production_cost, also when the query names one SKU)
// exist once a v3 event contributed to the month.
//
// Versions this process does not know (above widget_newest_version, or left
// out by --schema-versions) are never guessed at: each such event is counted,
// by type, in widget_skipped, and the answer carries that count as its
// coverage, so a reader sees the summary is incomplete rather than wrong. A
// process that learns the version rebuilds its projection from the log
// (projector.hpp), which the log still holds as sent, and is exact again.
// Each event id counts once: the projection calls add() only for the first
// entry of an id, as for the events table.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/schema_versions.hpp"
#include "storage/event.hpp"
#include "storage/sqlite.hpp"

namespace eventbed {

// The tables, created with the projection's schema.
extern const char* const widget_summary_schema_sql;

struct sku_totals {
  std::string sku;
  int64_t manufactured_qty = 0;
  std::optional<int64_t> defect_qty;
  std::optional<int64_t> production_cost;
};

struct summary_month {
  int year = 0, month = 0;
  std::optional<int64_t> base_cost;                 // present iff total_manufacturing_cost is
  std::optional<int64_t> total_manufacturing_cost;
  std::vector<sku_totals> manufacturing;            // by SKU name
};

struct summary_query {
  std::optional<int> year, month;  // absent: every one, in order
  std::optional<std::string> sku;  // absent: every SKU
};

struct widget_summary {
  std::vector<summary_month> months;           // by year, then month
  std::map<std::string, int64_t> skipped;      // type -> events the projection could not read
  int64_t skipped_events() const;
};

// Accumulates one apply()'s events and writes them with it.
class widget_summary_writer {
 public:
  widget_summary_writer(sqlite::database& db, schema_version_set known);
  ~widget_summary_writer();

  // Counts `ev` if it is a widget.produced event (else does nothing).
  void add(const event& ev);
  // Writes what add() gathered, inside the caller's transaction, and clears it.
  void store();
  // Drops what add() gathered: the transaction it belonged to was rolled back.
  void discard();
  // Events skipped so far, as committed. Asked of the file only after a
  // store() that wrote some: the projector asks after every apply(), and most
  // applies skip nothing.
  int64_t skipped_events();

 private:
  struct delta {
    int64_t manufactured = 0;
    std::optional<int64_t> defect, cost;
  };
  schema_version_set known_;
  std::map<std::tuple<int, int, std::string>, delta> months_;
  std::map<std::string, int64_t> skipped_;
  std::optional<int64_t> skipped_total_;  // skipped_events() while nothing changed it
  sqlite::statement upsert_, skip_, count_skipped_;
};

// GET /summary's answer, from a read connection, in one read transaction: one
// snapshot of one committed apply().
widget_summary read_widget_summary(sqlite::database& db, const summary_query& q);

}  // namespace eventbed
