#include "actors/simulator/widget_generator.hpp"

#include <gtest/gtest.h>

#include <set>

#include "common/widget_costs.hpp"

namespace eventbed {
namespace {

TEST(WidgetGenerator, CalendarRunsFromJanuary2000ToFebruary2024) {
  widget_generator g(7, {"A"});
  auto first = g.at(0);
  EXPECT_EQ(first.year, 2000);
  EXPECT_EQ(first.month, 1);
  EXPECT_EQ(first.day, 1);
  EXPECT_EQ(first.hour, 0);
  auto last = g.at(widget_generator::calendar_hours() - 1);
  EXPECT_EQ(last.year, 2024);
  EXPECT_EQ(last.month, 2);
  EXPECT_EQ(last.day, 29);
  EXPECT_EQ(last.hour, 23);
  auto again = g.at(widget_generator::calendar_hours());
  EXPECT_EQ(again.year, 2000);
  EXPECT_EQ(again.hour, 0);
}

TEST(WidgetGenerator, OneEventPerSkuPerHour) {
  widget_generator g(7, widget_skus(3));
  EXPECT_EQ(g.at(0).sku, "SKU-000");
  EXPECT_EQ(g.at(2).sku, "SKU-002");
  EXPECT_EQ(g.at(2).hour, 0);
  EXPECT_EQ(g.at(3).sku, "SKU-000");
  EXPECT_EQ(g.at(3).hour, 1);
}

// Over many draws, spread over the whole calendar: the ranges, the clamp and
// the working hours hold for every event, and the draws use their whole range.
TEST(WidgetGenerator, QuantitiesObeyRangesClampAndWorkingHours) {
  widget_generator g(12345, widget_skus(7));
  std::set<int64_t> manufactured, defect_floor_or_ceiling;
  uint64_t step = 97;  // coprime with 24 and 7: every hour and SKU comes up
  int working = 0;
  for (uint64_t i = 0; i < 200000; ++i) {
    auto h = g.at(i * step);
    ASSERT_GE(h.year, 2000);
    ASSERT_TRUE(h.year < 2024 || (h.year == 2024 && h.month <= 2));
    ASSERT_GE(h.month, 1);
    ASSERT_LE(h.month, 12);
    ASSERT_GE(h.day, 1);
    ASSERT_LE(h.day, days_in_month(h.year, h.month));
    ASSERT_EQ(h.sku_manufacturing_cost, sku_manufacturing_cost(h.sku, h.year));
    if (h.hour < 8 || h.hour >= 20) {
      ASSERT_EQ(h.manufactured_qty, 0) << h.hour;
      ASSERT_EQ(h.defect_qty, 0) << h.hour;
      continue;
    }
    ++working;
    ASSERT_GE(h.manufactured_qty, 50);
    ASSERT_LE(h.manufactured_qty, 100);
    ASSERT_GE(h.defect_qty, 1);
    ASSERT_LE(h.defect_qty, h.manufactured_qty - 25);
    manufactured.insert(h.manufactured_qty);
    if (h.defect_qty == 1 || h.defect_qty == h.manufactured_qty - 25) defect_floor_or_ceiling.insert(h.defect_qty);
  }
  EXPECT_NEAR(working, 100000, 2000);
  EXPECT_EQ(manufactured.size(), 51u) << "manufactured_qty does not cover 50..100";
  EXPECT_TRUE(defect_floor_or_ceiling.count(1)) << "the lower clamp never applied";
  EXPECT_GE(defect_floor_or_ceiling.size(), 10u) << "the upper clamp never applied";
}

// defect_qty is p% of manufactured_qty before the clamp: with p up to 99 it
// reaches the ceiling often, with p from 1 the floor; between them it is exact.
TEST(WidgetGenerator, DefectsAreATruncatedPercentageOfManufactured) {
  widget_generator g(99, {"X"});
  int inside = 0;
  for (uint64_t i = 0; i < 50000; ++i) {
    auto h = g.at(i);
    if (h.manufactured_qty == 0) continue;
    if (h.defect_qty > 1 && h.defect_qty < h.manufactured_qty - 25) {
      ++inside;
      bool some_percent = false;
      for (int p = 1; p <= 99; ++p) some_percent |= h.manufactured_qty * p / 100 == h.defect_qty;
      ASSERT_TRUE(some_percent) << h.manufactured_qty << " " << h.defect_qty;
    }
  }
  EXPECT_GT(inside, 1000);
}

TEST(WidgetGenerator, SameSeedSameEventsOtherSeedOtherQuantities) {
  widget_generator a(1, widget_skus(2)), b(1, widget_skus(2)), c(2, widget_skus(2));
  int differ = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.at(i).manufactured_qty, b.at(i).manufactured_qty);
    EXPECT_EQ(a.at(i).defect_qty, b.at(i).defect_qty);
    differ += a.at(i).manufactured_qty != c.at(i).manufactured_qty;
  }
  EXPECT_GT(differ, 100);
}

TEST(WidgetGenerator, EachVersionAddsItsField) {
  widget_generator g(3, {"S"});
  auto h = g.at(10);
  auto v1 = widget_generator::data(h, 1), v2 = widget_generator::data(h, 2), v3 = widget_generator::data(h, 3);
  EXPECT_EQ(v1.size(), 6u);
  EXPECT_FALSE(v1.contains("defect_qty"));
  EXPECT_EQ(v2.size(), 7u);
  EXPECT_EQ(v2["defect_qty"], h.defect_qty);
  EXPECT_FALSE(v2.contains("sku_manufacturing_cost"));
  EXPECT_EQ(v3.size(), 8u);
  EXPECT_EQ(v3["sku_manufacturing_cost"], h.sku_manufacturing_cost);
  EXPECT_EQ(widget_generator::type(2), "widget.produced.v2");
}

}  // namespace
}  // namespace eventbed
