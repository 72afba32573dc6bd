#include "storage/widget_summary.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <tuple>

#include "actors/simulator/widget_generator.hpp"
#include "common/widget_costs.hpp"
#include "storage/projection.hpp"
#include "storage/projection_dump.hpp"
#include "storage/projection_reader.hpp"
#include "storage/storage_error.hpp"
#include "tests/storage/projection_fixture.hpp"

namespace eventbed {
namespace {

class WidgetSummaryTest : public test::projection_fixture {};

logged_event widget_event(const std::string& id, int version, const widget_hour& h, int64_t ms) {
  auto e = test::make_event(id, widget_generator::type(version), ms);
  e.ev.data = widget_generator::data(h, version).dump();
  return e;
}

widget_hour hour_of(const std::string& sku, int year, int month, int64_t made, int64_t defect, int64_t cost) {
  widget_hour h;
  h.sku = sku;
  h.year = year;
  h.month = month;
  h.day = 1;
  h.hour = 9;
  h.manufactured_qty = made;
  h.defect_qty = defect;
  h.sku_manufacturing_cost = cost;
  return h;
}

const sku_totals& totals_of(const summary_month& m, const std::string& sku) {
  for (const auto& t : m.manufacturing)
    if (t.sku == sku) return t;
  throw std::runtime_error("no sku " + sku);
}

TEST_F(WidgetSummaryTest, EachTotalSumsTheVersionsThatCarryIt) {
  projection p(path());
  p.apply({widget_event("a", 1, hour_of("OLD", 2001, 3, 60, 9, 100), 1),
           widget_event("b", 2, hour_of("MID", 2001, 3, 70, 10, 100), 2),
           widget_event("c", 3, hour_of("NEW", 2001, 3, 80, 11, 150), 3),
           widget_event("d", 3, hour_of("NEW", 2001, 3, 50, 5, 150), 4),
           widget_event("e", 1, hour_of("NEW", 2001, 3, 10, 0, 0), 5),
           widget_event("f", 2, hour_of("MID", 2001, 4, 55, 4, 0), 6),
           test::make_event("g", "order.created", 7)},
          {}, {"7-0", "0-0"});
  projection_reader r(path());
  auto s = r.summary({2001, std::nullopt, std::nullopt});
  ASSERT_EQ(s.months.size(), 2u);
  const auto& march = s.months[0];
  EXPECT_EQ(march.month, 3);
  ASSERT_EQ(march.manufacturing.size(), 3u);
  const auto& old = totals_of(march, "OLD");
  EXPECT_EQ(old.manufactured_qty, 60);
  EXPECT_FALSE(old.defect_qty) << "a v1-only SKU has no defect count, not 0";
  EXPECT_FALSE(old.production_cost);
  const auto& mid = totals_of(march, "MID");
  EXPECT_EQ(mid.manufactured_qty, 70);
  EXPECT_EQ(mid.defect_qty, 10);
  EXPECT_FALSE(mid.production_cost);
  const auto& fresh = totals_of(march, "NEW");
  EXPECT_EQ(fresh.manufactured_qty, 140);
  EXPECT_EQ(fresh.defect_qty, 16);
  EXPECT_EQ(fresh.production_cost, 80 * 150 + 50 * 150);
  EXPECT_EQ(march.total_manufacturing_cost, 80 * 150 + 50 * 150);
  EXPECT_EQ(march.base_cost, month_base_cost(2001, 3));
  const auto& april = s.months[1];
  EXPECT_EQ(april.month, 4);
  EXPECT_FALSE(april.base_cost) << "no v3 event contributed to April";
  EXPECT_FALSE(april.total_manufacturing_cost);
  EXPECT_EQ(s.skipped_events(), 0);
}

TEST_F(WidgetSummaryTest, FiltersByYearMonthAndSkuAndKeepsTheMonthTotal) {
  projection p(path());
  p.apply({widget_event("a", 3, hour_of("A", 2002, 1, 60, 9, 100), 1),
           widget_event("b", 3, hour_of("B", 2002, 1, 70, 9, 200), 2),
           widget_event("c", 3, hour_of("A", 2003, 1, 70, 9, 200), 3)},
          {}, {"3-0", "0-0"});
  projection_reader r(path());
  auto one = r.summary({2002, 1, std::string("B")});
  ASSERT_EQ(one.months.size(), 1u);
  ASSERT_EQ(one.months[0].manufacturing.size(), 1u);
  EXPECT_EQ(one.months[0].manufacturing[0].sku, "B");
  EXPECT_EQ(one.months[0].total_manufacturing_cost, 60 * 100 + 70 * 200) << "the month's total covers every SKU";
  auto january = r.summary({std::nullopt, 1, std::nullopt});
  ASSERT_EQ(january.months.size(), 2u);
  EXPECT_EQ(january.months[0].year, 2002);
  EXPECT_EQ(january.months[1].year, 2003);
  EXPECT_TRUE(r.summary({2004, std::nullopt, std::nullopt}).months.empty());
}

TEST_F(WidgetSummaryTest, AnEventIdCountsOnce) {
  projection p(path());
  auto e = widget_event("same", 2, hour_of("A", 2005, 5, 60, 9, 0), 1);
  p.apply({e}, {}, {"1-0", "0-0"});
  auto again = e;
  again.stream_id = "2-0";
  p.apply({again, e}, {}, {"2-0", "0-0"});
  projection_reader r(path());
  auto s = r.summary({});
  ASSERT_EQ(s.months.size(), 1u);
  EXPECT_EQ(s.months[0].manufacturing[0].manufactured_qty, 60);
  EXPECT_EQ(s.months[0].manufacturing[0].defect_qty, 9);
}

// A process that knows versions 1 and 2 only: v3 events, and versions no
// build knows, are skipped and counted, never read as something else.
TEST_F(WidgetSummaryTest, UnknownVersionsAreSkippedAndCounted) {
  projection p(path(), schema_version_set::parse("1,2"));
  p.apply({widget_event("a", 2, hour_of("A", 2006, 6, 60, 9, 0), 1),
           widget_event("b", 3, hour_of("A", 2006, 6, 70, 9, 120), 2),
           test::make_event("c", "widget.produced.v9", 3)},
          {}, {"3-0", "0-0"});
  EXPECT_EQ(p.skipped_summary_events(), 2);
  projection_reader r(path());
  auto s = r.summary({});
  ASSERT_EQ(s.months.size(), 1u);
  EXPECT_EQ(s.months[0].manufacturing[0].manufactured_qty, 60);
  EXPECT_FALSE(s.months[0].total_manufacturing_cost);
  EXPECT_EQ(s.skipped_events(), 2);
  EXPECT_EQ(s.skipped.at("widget.produced.v3"), 1);
  EXPECT_EQ(s.skipped.at("widget.produced.v9"), 1);
}

// The count the projector publishes after every apply(): it follows each
// commit that skipped something, stays put across those that skipped nothing,
// and a rolled-back apply() leaves it at what was committed.
TEST_F(WidgetSummaryTest, SkippedCountFollowsEveryCommitAndNoRollback) {
  projection p(path(), schema_version_set::parse("1,2"));
  auto committed = [&] { return projection_reader(path()).summary({}).skipped_events(); };
  p.apply({widget_event("a", 3, hour_of("A", 2007, 7, 10, 1, 5), 1)}, {}, {"1-0", "0-0"});
  EXPECT_EQ(p.skipped_summary_events(), 1);
  p.apply({widget_event("b", 2, hour_of("A", 2007, 7, 10, 1, 0), 2)}, {}, {"2-0", "0-0"});
  EXPECT_EQ(p.skipped_summary_events(), 1);
  p.apply({test::make_event("c", "widget.produced.v9", 3)}, {}, {"3-0", "0-0"});
  EXPECT_EQ(p.skipped_summary_events(), 2);
  EXPECT_EQ(committed(), 2);

  test::exec_sql(path(), "CREATE TRIGGER inject BEFORE UPDATE ON checkpoints "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  EXPECT_THROW(p.apply({widget_event("d", 3, hour_of("A", 2007, 7, 10, 1, 5), 4)}, {}, {"4-0", "0-0"}),
               storage_error);
  EXPECT_EQ(p.skipped_summary_events(), 2) << "the skip was rolled back with its batch";
  test::exec_sql(path(), "DROP TRIGGER inject");
  p.apply({widget_event("d", 3, hour_of("A", 2007, 7, 10, 1, 5), 4)}, {}, {"4-0", "0-0"});
  EXPECT_EQ(p.skipped_summary_events(), 3);
  EXPECT_EQ(committed(), 3);
}

TEST_F(WidgetSummaryTest, AFileBuiltKnowingOtherVersionsIsRefused) {
  { projection p(path(), schema_version_set::parse("1,2")); }
  EXPECT_EQ(stored_projection_schema_versions(path()), "1,2");
  EXPECT_THROW(projection(path(), schema_version_set{}), storage_error);
  EXPECT_NO_THROW(projection(path(), schema_version_set::parse("2,1")));
}

// The expected totals worked out independently of the projection, from the
// generator, then the projection built in random batch splits from the same
// log: the summary is exact, and every rebuild is identical row for row.
TEST_F(WidgetSummaryTest, ExactAfterRebuildInAnyBatchSplit) {
  widget_generator gen(77, widget_skus(5));
  std::vector<logged_event> log;
  struct expected_totals {
    int64_t made = 0;
    std::optional<int64_t> defect, cost;
  };
  std::map<std::tuple<int, int, std::string>, expected_totals> expected;
  std::mt19937 rng(5);
  uint64_t stride = 24 * 5 * 3;  // every third day: the run crosses many months and years
  for (uint64_t i = 0; i < 6000; ++i) {
    uint64_t seq = (i / 120) * stride * 40 + (i % 120);
    auto h = gen.at(seq);
    int version = 1 + static_cast<int>(rng() % 3);
    log.push_back(widget_event("w" + std::to_string(i), version, h, static_cast<int64_t>(i + 1)));
    auto& t = expected[{h.year, h.month, h.sku}];
    t.made += h.manufactured_qty;
    if (version >= 2) t.defect = t.defect.value_or(0) + h.defect_qty;
    if (version >= 3) t.cost = t.cost.value_or(0) + h.manufactured_qty * h.sku_manufacturing_cost;
  }
  std::vector<std::string> first_dump;
  for (int round = 0; round < 3; ++round) {
    auto file = path("rebuild" + std::to_string(round) + ".db");
    {
      projection p(file);
      size_t at = 0;
      while (at < log.size()) {
        size_t n = std::min(log.size() - at, size_t{1} + rng() % 700);
        std::vector<logged_event> batch(log.begin() + at, log.begin() + at + n);
        at += n;
        p.apply(batch, {}, {batch.back().stream_id, "0-0"});
      }
    }
    auto dump = dump_projection(file);
    if (round == 0) first_dump = dump;
    else EXPECT_EQ(dump, first_dump) << "rebuild " << round << " differs";
    projection_reader r(file);
    auto s = r.summary({});
    size_t rows = 0;
    for (const auto& m : s.months) {
      std::optional<int64_t> month_cost;
      for (const auto& t : m.manufacturing) {
        ++rows;
        const auto& want = expected.at({m.year, m.month, t.sku});
        EXPECT_EQ(t.manufactured_qty, want.made);
        EXPECT_EQ(t.defect_qty, want.defect);
        EXPECT_EQ(t.production_cost, want.cost);
        if (want.cost) month_cost = month_cost.value_or(0) + *want.cost;
      }
      EXPECT_EQ(m.total_manufacturing_cost, month_cost);
      EXPECT_EQ(m.base_cost.has_value(), month_cost.has_value());
      if (m.base_cost) {
        EXPECT_EQ(*m.base_cost, month_base_cost(m.year, m.month));
      }
    }
    EXPECT_EQ(rows, expected.size());
  }
}

}  // namespace
}  // namespace eventbed
