#include "common/widget_costs.hpp"

#include <algorithm>
#include <array>

namespace eventbed {

namespace {

constexpr int years = widget_last_year - widget_first_year + 1;

bool in_range(int year) { return year >= widget_first_year && year <= widget_last_year; }

// Computed once per (seed, table): every summary answer reads base_cost, and
// a rebuild reads it per month, so this must cost an index, not 25 draws.
struct base_table {
  uint64_t seed = 0;
  std::array<int64_t, years> hourly{};
};

base_table make_base_table(uint64_t seed) {
  base_table t;
  t.seed = seed;
  t.hourly[0] = 280;
  for (int i = 1; i < years; ++i) {
    int64_t prev = t.hourly[i - 1];
    int64_t percent = seeded_draw(seed, "base", static_cast<uint64_t>(widget_first_year + i), 5, 10);
    t.hourly[i] = prev + std::max<int64_t>(1, prev * percent / 100);
  }
  return t;
}

}  // namespace

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

int64_t seeded_draw(uint64_t seed, std::string_view tag, uint64_t key, int64_t lo, int64_t hi) {
  auto span = static_cast<uint64_t>(hi - lo + 1);
  return lo + static_cast<int64_t>(splitmix64(seed ^ fnv1a64(tag) ^ splitmix64(key)) % span);
}

bool is_working_hour(int hour) { return hour >= widget_work_start_hour && hour < widget_work_end_hour; }

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[(month - 1) % 12];
}

int64_t hourly_base_cost(int year, uint64_t seed) {
  if (!in_range(year)) return 0;
  static const base_table shipped = make_base_table(widget_cost_seed);
  if (seed == widget_cost_seed) return shipped.hourly[year - widget_first_year];
  return make_base_table(seed).hourly[year - widget_first_year];
}

int64_t month_base_cost(int year, int month, uint64_t seed) {
  if (month < 1 || month > 12) return 0;
  return hourly_base_cost(year, seed) * widget_work_hours_per_day * days_in_month(year, month);
}

int64_t sku_manufacturing_cost(std::string_view sku, int year, uint64_t seed) {
  if (!in_range(year)) return 0;
  uint64_t key = fnv1a64(sku);
  int64_t cost = seeded_draw(seed, "sku", key, 100, 200);
  for (int y = widget_first_year + 1; y <= year; ++y)
    cost += seeded_draw(seed, "sku-rise", key ^ static_cast<uint64_t>(y), 1, std::max<int64_t>(1, cost / 10));
  return cost;
}

}  // namespace eventbed
