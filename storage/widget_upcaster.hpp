// Reading widget.produced events of any version in the newest shape.
//
// The log keeps every event as it was sent; readers never rewrite it. They
// read version 1 and 2 data through upcasters, one step per version
// (v1 -> v2 adds defect_qty, v2 -> v3 adds sku_manufacturing_cost), and a
// field an older version does not carry stays absent: an empty optional, never
// 0, so a v1-only SKU has no defect count rather than a count of zero.
// The schemas the versions obey: gateways/schemas/widget.produced.v<N>.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eventbed {

inline constexpr std::string_view widget_family = "widget.produced";
// The newest version this build has an upcaster for; a version above it is
// one this build does not know, whatever --schema-versions says.
inline constexpr int widget_newest_version = 3;

// widget.produced.v3: the newest shape.
struct widget_produced {
  std::string sku;
  int year = 0, month = 0, day = 0, hour = 0;
  int64_t manufactured_qty = 0;
  std::optional<int64_t> defect_qty;              // v2 and later
  std::optional<int64_t> sku_manufacturing_cost;  // v3 and later
};

// The data of a `version` event (1..widget_newest_version) in the newest
// shape; nullopt if the data does not have the fields its version requires
// (ingest validates, so only a log written some other way holds such events).
std::optional<widget_produced> read_widget_produced(int version, std::string_view data);

}  // namespace eventbed
