#include "storage/widget_upcaster.hpp"

#include <nlohmann/json.hpp>

namespace eventbed {

namespace {

using json = nlohmann::json;

bool read_int(const json& data, const char* field, int64_t& out) {
  auto it = data.find(field);
  if (it == data.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}

bool read_v1(const json& d, widget_produced& w) {
  auto sku = d.find("sku");
  if (sku == d.end() || !sku->is_string()) return false;
  w.sku = sku->get<std::string>();
  int64_t year = 0, month = 0, day = 0, hour = 0;
  if (!read_int(d, "manufactured_qty", w.manufactured_qty) || !read_int(d, "year", year) ||
      !read_int(d, "month", month) || !read_int(d, "day", day) || !read_int(d, "hour", hour))
    return false;
  w.year = static_cast<int>(year);
  w.month = static_cast<int>(month);
  w.day = static_cast<int>(day);
  w.hour = static_cast<int>(hour);
  return true;
}

// Each version's reader is the one before it plus the field the version added.
bool read_v2(const json& d, widget_produced& w) {
  int64_t defect = 0;
  if (!read_v1(d, w) || !read_int(d, "defect_qty", defect)) return false;
  w.defect_qty = defect;
  return true;
}

bool read_v3(const json& d, widget_produced& w) {
  int64_t cost = 0;
  if (!read_v2(d, w) || !read_int(d, "sku_manufacturing_cost", cost)) return false;
  w.sku_manufacturing_cost = cost;
  return true;
}

}  // namespace

std::optional<widget_produced> read_widget_produced(int version, std::string_view data) {
  auto d = json::parse(data, nullptr, false);
  if (d.is_discarded() || !d.is_object()) return std::nullopt;
  widget_produced w;
  bool ok = version == 1 ? read_v1(d, w) : version == 2 ? read_v2(d, w) : version == 3 ? read_v3(d, w) : false;
  if (!ok) return std::nullopt;
  return w;
}

}  // namespace eventbed
