// The widget-production workload: one event is one hour of production of one SKU.
//
// A pure, seeded function of the event's number, like event_factory: event
// `seq` is hour seq / skus of the calendar that starts 2000-01-01 00:00 and
// ends 2024-02-29 23:00 (then starts over), for SKU skus[seq % skus]. Each
// quantity is drawn from (seed, SKU, hour) with seeded_draw
// (common/widget_costs.hpp), so the simulator can recompute any event, and
// hence the expected summary, without storing it.
//
// The facts (issue 16):
//   - outside working hours (08:00-20:00) every quantity is 0, defect_qty too;
//   - inside them manufactured_qty is an integer in [50, 100];
//   - defect_qty is p% of manufactured_qty, p in [1, 99], truncated, then
//     clamped to [1, manufactured_qty - 25];
//   - sku_manufacturing_cost is the SKU's cost of that year (widget_costs).
// Version 1 carries sku, manufactured_qty, year, month, day, hour; version 2
// adds defect_qty; version 3 adds sku_manufacturing_cost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eventbed {

struct widget_hour {
  std::string sku;
  int year = 0, month = 0, day = 0, hour = 0;
  int64_t manufactured_qty = 0;
  int64_t defect_qty = 0;
  int64_t sku_manufacturing_cost = 0;
};

class widget_generator {
 public:
  // `skus` must not be empty; `seed` drives the quantities (the cost tables
  // use widget_cost_seed, which the summary knows too).
  widget_generator(uint64_t seed, std::vector<std::string> skus);

  // The hours from 2000-01-01 00:00 to 2024-02-29 23:00.
  static uint64_t calendar_hours();

  widget_hour at(uint64_t seq) const;
  const std::vector<std::string>& skus() const { return skus_; }

  // The event's data in the shape of `version` (1, 2 or 3).
  static nlohmann::json data(const widget_hour& h, int version);
  static std::string type(int version);  // "widget.produced.v<version>"

 private:
  uint64_t seed_;
  std::vector<std::string> skus_;
};

// "<prefix>SKU-000" .. : `n` SKU names. The simulator prefixes its run id, so
// runs against one deployment never add to each other's summary cells.
std::vector<std::string> widget_skus(size_t n, const std::string& prefix = "");

}  // namespace eventbed
