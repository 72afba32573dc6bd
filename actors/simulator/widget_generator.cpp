#include "actors/simulator/widget_generator.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "common/widget_costs.hpp"

namespace eventbed {

namespace {

// Days since 1970-01-01 to (year, month, day): Howard Hinnant's civil_from_days.
void civil_from_days(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(era * 400 + yoe + (m <= 2 ? 1 : 0));
}

constexpr int64_t days_2000_01_01 = 10957;  // since 1970-01-01
constexpr int64_t days_2024_03_01 = 19783;

}  // namespace

widget_generator::widget_generator(uint64_t seed, std::vector<std::string> skus)
    : seed_(seed), skus_(std::move(skus)) {
  if (skus_.empty()) throw std::invalid_argument("widget_generator needs at least one SKU");
}

uint64_t widget_generator::calendar_hours() { return (days_2024_03_01 - days_2000_01_01) * 24; }

widget_hour widget_generator::at(uint64_t seq) const {
  widget_hour h;
  h.sku = skus_[seq % skus_.size()];
  uint64_t index = (seq / skus_.size()) % calendar_hours();
  civil_from_days(days_2000_01_01 + static_cast<int64_t>(index / 24), h.year, h.month, h.day);
  h.hour = static_cast<int>(index % 24);
  h.sku_manufacturing_cost = sku_manufacturing_cost(h.sku, h.year);
  if (!is_working_hour(h.hour)) return h;
  uint64_t key = fnv1a64(h.sku) ^ splitmix64(index);
  h.manufactured_qty = seeded_draw(seed_, "manufactured", key, 50, 100);
  int64_t percent = seeded_draw(seed_, "defect", key, 1, 99);
  h.defect_qty = std::clamp<int64_t>(h.manufactured_qty * percent / 100, 1, h.manufactured_qty - 25);
  return h;
}

nlohmann::json widget_generator::data(const widget_hour& h, int version) {
  nlohmann::json d = {{"sku", h.sku},     {"manufactured_qty", h.manufactured_qty},
                      {"year", h.year},   {"month", h.month},
                      {"day", h.day},     {"hour", h.hour}};
  if (version >= 2) d["defect_qty"] = h.defect_qty;
  if (version >= 3) d["sku_manufacturing_cost"] = h.sku_manufacturing_cost;
  return d;
}

std::string widget_generator::type(int version) { return "widget.produced.v" + std::to_string(version); }

std::vector<std::string> widget_skus(size_t n, const std::string& prefix) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "SKU-%03zu", i);
    out.push_back(prefix + name);
  }
  return out;
}

}  // namespace eventbed
