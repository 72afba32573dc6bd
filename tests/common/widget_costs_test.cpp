#include "common/widget_costs.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

TEST(WidgetCosts, BaseCostStartsAt280AndRisesFiveToTenPercentAndAtLeastOne) {
  EXPECT_EQ(hourly_base_cost(widget_first_year), 280);
  for (uint64_t seed : {widget_cost_seed, uint64_t{1}, uint64_t{42}, uint64_t{987654321}}) {
    EXPECT_EQ(hourly_base_cost(widget_first_year, seed), 280);
    for (int y = widget_first_year + 1; y <= widget_last_year; ++y) {
      int64_t prev = hourly_base_cost(y - 1, seed), cur = hourly_base_cost(y, seed);
      EXPECT_GE(cur - prev, std::max<int64_t>(1, prev * 5 / 100)) << y;
      EXPECT_LE(cur - prev, std::max<int64_t>(1, prev * 10 / 100)) << y;
    }
  }
}

TEST(WidgetCosts, TablesAreAPureFunctionOfTheSeed) {
  for (int y = widget_first_year; y <= widget_last_year; ++y) {
    EXPECT_EQ(hourly_base_cost(y), hourly_base_cost(y, widget_cost_seed));
    EXPECT_EQ(sku_manufacturing_cost("SKU-001", y), sku_manufacturing_cost("SKU-001", y));
  }
  bool differs = false;
  for (int y = widget_first_year + 1; y <= widget_last_year; ++y)
    differs |= hourly_base_cost(y, 1) != hourly_base_cost(y, 2);
  EXPECT_TRUE(differs) << "the seed does not change the table";
}

TEST(WidgetCosts, MonthBaseCostIsHourlyTimesWorkingHoursOfTheMonth) {
  EXPECT_EQ(month_base_cost(2000, 1), 280 * 12 * 31);
  EXPECT_EQ(month_base_cost(2000, 2), 280 * 12 * 29);  // a leap year
  EXPECT_EQ(month_base_cost(2023, 2), hourly_base_cost(2023) * 12 * 28);
  EXPECT_EQ(month_base_cost(2024, 2), hourly_base_cost(2024) * 12 * 29);
  EXPECT_EQ(month_base_cost(1999, 12), 0);
  EXPECT_EQ(month_base_cost(2025, 1), 0);
}

TEST(WidgetCosts, SkuCostStartsIn100To200AndRisesOneToTenPercent) {
  for (int i = 0; i < 500; ++i) {
    std::string sku = "SKU-" + std::to_string(i);
    int64_t first = sku_manufacturing_cost(sku, widget_first_year);
    EXPECT_GE(first, 100);
    EXPECT_LE(first, 200);
    for (int y = widget_first_year + 1; y <= widget_last_year; ++y) {
      int64_t prev = sku_manufacturing_cost(sku, y - 1), cur = sku_manufacturing_cost(sku, y);
      EXPECT_GE(cur - prev, 1);
      EXPECT_LE(cur - prev, prev / 10);
    }
  }
}

TEST(WidgetCosts, WorkingHoursAreEightToTwenty) {
  for (int h = 0; h < 24; ++h) EXPECT_EQ(is_working_hour(h), h >= 8 && h < 20) << h;
}

}  // namespace
}  // namespace eventbed
