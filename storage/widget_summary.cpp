#include "storage/widget_summary.hpp"

#include <cstdint>

#include "common/widget_costs.hpp"
#include "storage/widget_upcaster.hpp"

namespace eventbed {

const char* const widget_summary_schema_sql = R"sql(
CREATE TABLE widget_summary(
  year INTEGER NOT NULL,
  month INTEGER NOT NULL,
  sku TEXT NOT NULL,
  manufactured_qty INTEGER NOT NULL,
  defect_qty INTEGER,
  production_cost INTEGER,
  PRIMARY KEY (year, month, sku)) WITHOUT ROWID;
CREATE TABLE widget_skipped(type TEXT PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
)sql";

namespace {

// NULL + x stays NULL in SQL, and a field that was absent must become x, so
// each optional sum adds with coalesce only when the new value is present.
constexpr const char* upsert_sql = R"sql(
INSERT INTO widget_summary (year, month, sku, manufactured_qty, defect_qty, production_cost)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6)
  ON CONFLICT (year, month, sku) DO UPDATE SET
    manufactured_qty = manufactured_qty + excluded.manufactured_qty,
    defect_qty = CASE WHEN excluded.defect_qty IS NULL THEN defect_qty
                      ELSE coalesce(defect_qty, 0) + excluded.defect_qty END,
    production_cost = CASE WHEN excluded.production_cost IS NULL THEN production_cost
                           ELSE coalesce(production_cost, 0) + excluded.production_cost END
)sql";

constexpr const char* skip_sql = R"sql(
INSERT INTO widget_skipped (type, events) VALUES (?1, ?2)
  ON CONFLICT (type) DO UPDATE SET events = events + excluded.events
)sql";

constexpr const char* count_skipped_sql = "SELECT coalesce(sum(events), 0) FROM widget_skipped";

// Ranges rather than "?1 IS NULL OR year = ?1", so the primary key (year,
// month, sku) finds a month's rows instead of scanning every month's.
constexpr const char* select_sql = R"sql(
SELECT year, month, sku, manufactured_qty, defect_qty, production_cost FROM widget_summary
  WHERE year BETWEEN ?1 AND ?2 AND month BETWEEN ?3 AND ?4 AND (?5 IS NULL OR sku = ?5)
  ORDER BY year, month, sku
)sql";

// A month's total is over every SKU, whatever the query's sku; sum() of only
// NULLs is NULL, so a month no v3 event contributed to has no row here.
constexpr const char* select_totals_sql = R"sql(
SELECT year, month, sum(production_cost) FROM widget_summary
  WHERE year BETWEEN ?1 AND ?2 AND month BETWEEN ?3 AND ?4
  GROUP BY year, month HAVING sum(production_cost) IS NOT NULL
)sql";

constexpr const char* select_skipped_sql = "SELECT type, events FROM widget_skipped ORDER BY type";

void add_to(std::optional<int64_t>& sum, std::optional<int64_t> value) {
  if (value) sum = sum.value_or(0) + *value;
}

// Binds the query's year and month as ranges from parameter 1 on (absent: every one).
void bind_months(sqlite::statement& s, const summary_query& q) {
  s.bind(1, int64_t{q.year.value_or(0)});
  s.bind(2, int64_t{q.year.value_or(INT32_MAX)});
  s.bind(3, int64_t{q.month.value_or(0)});
  s.bind(4, int64_t{q.month.value_or(INT32_MAX)});
}

std::optional<int64_t> optional_integer(sqlite::statement& s, int column) {
  if (s.is_null(column)) return std::nullopt;
  return s.integer(column);
}

}  // namespace

int64_t widget_summary::skipped_events() const {
  int64_t n = 0;
  for (const auto& [type, events] : skipped) n += events;
  return n;
}

widget_summary_writer::widget_summary_writer(sqlite::database& db, schema_version_set known)
    : known_(std::move(known)), upsert_(db, upsert_sql), skip_(db, skip_sql), count_skipped_(db, count_skipped_sql) {}

widget_summary_writer::~widget_summary_writer() = default;

void widget_summary_writer::add(const event& ev) {
  auto versioned = parse_versioned_type(ev.type);
  if (!versioned || versioned->family != widget_family) return;
  std::optional<widget_produced> w;
  if (versioned->version <= widget_newest_version && known_.contains(versioned->version) && !ev.binary_data)
    w = read_widget_produced(versioned->version, ev.data);
  if (!w) {
    ++skipped_[ev.type];
    return;
  }
  auto& d = months_[{w->year, w->month, w->sku}];
  d.manufactured += w->manufactured_qty;
  add_to(d.defect, w->defect_qty);
  if (w->sku_manufacturing_cost) add_to(d.cost, w->manufactured_qty * *w->sku_manufacturing_cost);
}

void widget_summary_writer::store() {
  for (const auto& [key, d] : months_) {
    const auto& [year, month, sku] = key;
    upsert_.bind(1, int64_t{year});
    upsert_.bind(2, int64_t{month});
    upsert_.bind(3, sku);
    upsert_.bind(4, d.manufactured);
    if (d.defect) upsert_.bind(5, *d.defect);
    else upsert_.bind_null(5);
    if (d.cost) upsert_.bind(6, *d.cost);
    else upsert_.bind_null(6);
    upsert_.run();
  }
  for (const auto& [type, n] : skipped_) {
    skip_.bind(1, type);
    skip_.bind(2, n);
    skip_.run();
  }
  if (!skipped_.empty()) skipped_total_.reset();  // asked again, after the commit or the rollback
  discard();
}

void widget_summary_writer::discard() {
  months_.clear();
  skipped_.clear();
}

int64_t widget_summary_writer::skipped_events() {
  if (!skipped_total_) {
    sqlite::reset_guard guard(count_skipped_);
    skipped_total_ = count_skipped_.step() ? count_skipped_.integer(0) : 0;
  }
  return *skipped_total_;
}

widget_summary read_widget_summary(sqlite::database& db, const summary_query& q) {
  widget_summary out;
  sqlite::statement rows(db, select_sql), totals(db, select_totals_sql), skipped(db, select_skipped_sql);
  std::map<std::pair<int, int>, int64_t> month_costs;  // months a v3 event contributed to
  db.exec("BEGIN");
  try {
    {
      sqlite::reset_guard guard(rows);
      bind_months(rows, q);
      if (q.sku) rows.bind(5, *q.sku);
      while (rows.step()) {
        int year = static_cast<int>(rows.integer(0)), month = static_cast<int>(rows.integer(1));
        if (out.months.empty() || out.months.back().year != year || out.months.back().month != month)
          out.months.push_back({year, month, std::nullopt, std::nullopt, {}});
        out.months.back().manufacturing.push_back(
            {rows.text(2), rows.integer(3), optional_integer(rows, 4), optional_integer(rows, 5)});
      }
    }
    {
      sqlite::reset_guard guard(totals);
      bind_months(totals, q);
      while (totals.step())
        month_costs[{static_cast<int>(totals.integer(0)), static_cast<int>(totals.integer(1))}] = totals.integer(2);
    }
    {
      sqlite::reset_guard guard(skipped);
      while (skipped.step()) out.skipped[skipped.text(0)] = skipped.integer(1);
    }
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_if_open();
    throw;
  }
  for (auto& m : out.months) {
    auto it = month_costs.find({m.year, m.month});
    if (it == month_costs.end()) continue;
    m.total_manufacturing_cost = it->second;
    m.base_cost = month_base_cost(m.year, m.month);
  }
  return out;
}

}  // namespace eventbed
