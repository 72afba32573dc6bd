// The cost tables of the widget-production workload, shared by the generator
// (which puts sku_manufacturing_cost into v3 events) and the monthly summary
// (which reports base_cost). Both must draw the same numbers, so every number
// here is a pure function of a seed both know and of the year (and SKU):
//
//   draw(tag, key, lo, hi) = lo + splitmix64(seed ^ fnv1a64(tag) ^ splitmix64(key)) % (hi - lo + 1)
//
// splitmix64 and FNV-1a 64 are fixed, public algorithms, so the tables are the
// same on every platform and standard library (std::uniform_int_distribution
// is not). The modulo bias is below 1e-16 for these ranges.
//
// The facts, for the years widget_first_year .. widget_last_year:
//   - hourly base cost: 280 in the first year; each later year it rises by p%
//     of the previous year's, p = draw("base", year, 5, 10), truncated, and by
//     at least 1.
//   - month base cost: that year's hourly base cost x the working hours of the
//     month (12 a day: 08:00-20:00, every day).
//   - cost of one widget of a SKU: draw("sku", hash(sku), 100, 200) in the
//     first year; each later year it rises by draw("sku-rise", hash(sku)^year,
//     1, max(1, prev / 10)), an integer from 1 to 10% of the previous year's.
#pragma once

#include <cstdint>
#include <string_view>

namespace eventbed {

// The seed of the shipped tables. Changing it changes every base_cost a
// summary reports, so it is a constant of the build, not a flag.
inline constexpr uint64_t widget_cost_seed = 20000101;

inline constexpr int widget_first_year = 2000;
inline constexpr int widget_last_year = 2024;       // up to and including widget_last_month
inline constexpr int widget_last_month = 2;
inline constexpr int widget_work_start_hour = 8;    // the first working hour
inline constexpr int widget_work_end_hour = 20;     // the first hour after work
inline constexpr int widget_work_hours_per_day = widget_work_end_hour - widget_work_start_hour;

// splitmix64's output function: a well-mixed 64-bit value of `x`.
uint64_t splitmix64(uint64_t x);

// FNV-1a 64 of `text`: how SKUs and tags become keys.
uint64_t fnv1a64(std::string_view text);

// An integer in [lo, hi] that depends only on (seed, tag, key).
int64_t seeded_draw(uint64_t seed, std::string_view tag, uint64_t key, int64_t lo, int64_t hi);

bool is_working_hour(int hour);
int days_in_month(int year, int month);

// The hourly base cost of `year`, and a month's base cost. Years outside
// [widget_first_year, widget_last_year] answer 0.
int64_t hourly_base_cost(int year, uint64_t seed = widget_cost_seed);
int64_t month_base_cost(int year, int month, uint64_t seed = widget_cost_seed);

// The cost of one widget of `sku` in `year` (0 outside the years above).
int64_t sku_manufacturing_cost(std::string_view sku, int year, uint64_t seed = widget_cost_seed);

}  // namespace eventbed
