#include "actors/simulator/widget_workload.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

using json = nlohmann::json;

// A GET /summary body holding `cells`, as eventbed renders it.
json body_of(const widget_cells& cells) {
  json data = json::array();
  for (const auto& [key, c] : cells) {
    json totals = {{"manufactured_qty", c.manufactured_qty}};
    if (c.defect_qty) totals["defect_qty"] = *c.defect_qty;
    if (c.production_cost) totals["production_cost"] = *c.production_cost;
    data.push_back({{"year", std::get<0>(key)},
                    {"month", std::get<1>(key)},
                    {"manufacturing", json::array({{{"sku", std::get<2>(key)}, {"totals", totals}}})}});
  }
  return {{"description", "Summary aggregated statistics per SKU per year and month"}, {"data", data}};
}

TEST(WidgetWorkload, MixesParseAndRefuseNonsense) {
  EXPECT_EQ(parse_widget_mix("2"), (widget_mix{{2, 1}}));
  EXPECT_EQ(parse_widget_mix("1:1,3:4"), (widget_mix{{1, 1}, {3, 4}}));
  for (auto bad : {"", "4", "0", "2:0", "x", "2:", "1,,2", "2:1x"}) EXPECT_THROW(parse_widget_mix(bad), std::invalid_argument) << bad;
}

// A weight past 32 bits is refused on every architecture: where unsigned long
// is 64 bits, 2^32 + 1 must not wrap to a weight of 1.
TEST(WidgetWorkload, AWeightPast32BitsIsRefusedNotWrapped) {
  for (auto bad : {"2:4294967297", "2:4294967296", "2:1000001", "2:-1"})
    EXPECT_THROW(parse_widget_mix(bad), std::invalid_argument) << bad;
  EXPECT_EQ(parse_widget_mix("2:1000000"), (widget_mix{{2, 1000000}}));
}

TEST(WidgetWorkload, VersionsFollowTheMixAndSwitchAtTheirSeq) {
  widget_workload w(3, 4, "r-", parse_widget_mix("1:1,2:3"), 1000, parse_widget_mix("3"));
  int counts[4] = {0, 0, 0, 0};
  for (uint64_t seq = 0; seq < 1000; ++seq) ++counts[w.version(seq)];
  EXPECT_EQ(counts[3], 0);
  EXPECT_NEAR(counts[1], 250, 60);
  EXPECT_NEAR(counts[2], 750, 60);
  for (uint64_t seq = 1000; seq < 1100; ++seq) EXPECT_EQ(w.version(seq), 3);
  EXPECT_EQ(w.type(1000), "widget.produced.v3");
  EXPECT_EQ(w.data(1000)["sku"].get<std::string>().rfind("r-SKU-", 0), 0u);
}

TEST(WidgetWorkload, ExactCheckFindsEveryDifferentCell) {
  widget_workload w(3, 2, "r-", parse_widget_mix("1:1,2:1,3:1"), UINT64_MAX, {});
  for (uint64_t seq = 0; seq < 300; ++seq) {
    w.sent(seq);
    w.accepted(seq, 0);
  }
  auto cells = w.accepted_cells();
  std::string first;
  EXPECT_EQ(w.check_exact(body_of(cells), &first), 0u) << first;
  auto off = cells;
  off.begin()->second.manufactured_qty += 1;
  EXPECT_EQ(w.check_exact(body_of(off), &first), 1u);
  EXPECT_NE(first.find("differs"), std::string::npos) << first;
  widget_workload v1_only(3, 2, "r-", parse_widget_mix("1"), UINT64_MAX, {});
  for (uint64_t seq = 0; seq < 300; ++seq) {
    v1_only.sent(seq);
    v1_only.accepted(seq, 0);
  }
  auto zero_not_absent = v1_only.accepted_cells();
  for (auto& [k, c] : zero_not_absent) c.defect_qty = 0;
  EXPECT_EQ(v1_only.check_exact(body_of(v1_only.accepted_cells()), nullptr), 0u);
  EXPECT_EQ(v1_only.check_exact(body_of(zero_not_absent), nullptr), zero_not_absent.size()) << "0 must not pass for absent";
  auto incomplete = body_of(cells);
  incomplete["coverage"] = {{"complete", false}, {"skipped_events", 1}, {"skipped_by_type", {{"widget.produced.v4", 1}}}};
  EXPECT_GT(w.check_exact(incomplete, nullptr), 0u);
}

// During the run: events accepted at least `deadline` ago must be in, nothing
// beyond what was sent may be, and in between anything goes.
TEST(WidgetWorkload, DuringTheRunOnlyOldEnoughEventsMustBeCounted) {
  widget_workload w(5, 1, "r-", parse_widget_mix("2"), UINT64_MAX, {});
  for (uint64_t seq = 0; seq < 20; ++seq) w.sent(seq);
  for (uint64_t seq = 8; seq < 20; ++seq) w.accepted(seq, 1.0);  // 8..19 at t=1
  // seq 0..7 is midnight to 07:00: nothing made. 8..19 is the working day.
  widget_cells none;
  EXPECT_EQ(w.check_during(body_of(none), 1.5, 5), "") << "nothing is 5 s old yet";
  EXPECT_NE(w.check_during(body_of(none), 6.5, 5), "") << "everything is 5 s old: it must be counted";
  EXPECT_EQ(w.check_during(body_of(w.accepted_cells()), 6.5, 5), "");
  auto too_much = w.accepted_cells();
  too_much.begin()->second.manufactured_qty += 1000;
  EXPECT_NE(w.check_during(body_of(too_much), 7, 5), "") << "more than was ever sent";
}

}  // namespace
}  // namespace eventbed
