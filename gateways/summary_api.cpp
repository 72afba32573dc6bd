#include "gateways/summary_api.hpp"

#include <nlohmann/json.hpp>

namespace eventbed {

namespace {

using json = nlohmann::json;

constexpr const char* description = "Summary aggregated statistics per SKU per year and month";

std::optional<int> integer_in(const std::string& text, int lo, int hi) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

}  // namespace

std::variant<summary_query, summary_query_error> parse_summary_query(const std::map<std::string, std::string>& params) {
  summary_query q;
  for (const auto& [name, value] : params) {
    if (name == "year") {
      q.year = integer_in(value, 1, 9999);
      if (!q.year) return summary_query_error{"year: must be an integer from 1 to 9999"};
    } else if (name == "month") {
      q.month = integer_in(value, 1, 12);
      if (!q.month) return summary_query_error{"month: must be an integer from 1 to 12"};
    } else if (name == "sku") {
      if (value.empty() || value.size() > 64) return summary_query_error{"sku: must be 1 to 64 characters"};
      q.sku = value;
    } else {
      return summary_query_error{"unknown parameter '" + name.substr(0, 64) + "' (known: year, month, sku)"};
    }
  }
  return q;
}

std::string summary_body(const widget_summary& summary) {
  json data = json::array();
  for (const auto& m : summary.months) {
    json month = {{"year", m.year}, {"month", m.month}, {"manufacturing", json::array()}};
    if (m.base_cost) month["base_cost"] = *m.base_cost;
    if (m.total_manufacturing_cost) month["total_manufacturing_cost"] = *m.total_manufacturing_cost;
    for (const auto& t : m.manufacturing) {
      json totals = {{"manufactured_qty", t.manufactured_qty}};
      if (t.defect_qty) totals["defect_qty"] = *t.defect_qty;
      if (t.production_cost) totals["production_cost"] = *t.production_cost;
      month["manufacturing"].push_back({{"sku", t.sku}, {"totals", totals}});
    }
    data.push_back(std::move(month));
  }
  json body = {{"description", description}, {"data", std::move(data)}};
  if (auto skipped = summary.skipped_events(); skipped > 0)
    body["coverage"] = {{"complete", false}, {"skipped_events", skipped}, {"skipped_by_type", summary.skipped}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace eventbed
