// GET /summary?year=Y&month=M[&sku=S]: the monthly widget summary, as JSON.
//
//   {"description": "Summary aggregated statistics per SKU per year and month",
//    "data": [{"year": Y, "month": M, "base_cost": n, "total_manufacturing_cost": n,
//              "manufacturing": [{"sku": "...", "totals": {"manufactured_qty": n,
//                                                          "defect_qty": n, "production_cost": n}}]}]}
//
// A total appears only when an event of a version that carries it contributed
// (storage/widget_summary.hpp): a v1-only SKU has no defect_qty, not 0, and a
// month without v3 events has neither base_cost nor total_manufacturing_cost.
// Without year, or month, every matching month, in order. When this process
// skipped events of versions it does not know, the answer adds
//   "coverage": {"complete": false, "skipped_events": n, "skipped_by_type": {"<type>": n}}
// and is incomplete by that much; without skips there is no "coverage" key.
//
// Parameters: year 1-9999, month 1-12, sku 1-64 characters; another parameter,
// or a value outside these, answers 400 invalid_parameter naming it.
#pragma once

#include <map>
#include <string>
#include <variant>

#include "storage/widget_summary.hpp"

namespace eventbed {

struct summary_query_error {
  std::string detail;
};

std::variant<summary_query, summary_query_error> parse_summary_query(const std::map<std::string, std::string>& params);

std::string summary_body(const widget_summary& summary);

}  // namespace eventbed
