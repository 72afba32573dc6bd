// Schema evolution with real Redis and real processes: ingest validates every
// versioned event against its schema and stores nothing it refuses; two
// processes that know different versions share one log, the older one skips
// what it cannot read and says so, and once upgraded it rebuilds and agrees.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "actors/simulator/widget_generator.hpp"
#include "common/widget_costs.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

long long log_length(const redis_server& redis) {
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  return conn.command({"XLEN", "eventbed:events"}).integer;
}

json widget_body(const std::string& id, int version, const widget_hour& h) {
  return {{"id", id}, {"type", widget_generator::type(version)}, {"data", widget_generator::data(h, version)}};
}

class SchemaBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();
  }
  void TearDown() override { EXPECT_EQ(log_length(redis), 0) << "a refused event was stored"; }

  void expect_refused(json data, const std::string& type, long status, const std::string& code,
                      const std::string& field) {
    auto res = client.post(proc.url("/ingest"), json{{"type", type}, {"data", data}}.dump());
    EXPECT_EQ(res.status, status) << res.body;
    auto body = json::parse(res.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << res.body;
    EXPECT_EQ(body["error"], code) << res.body;
    EXPECT_NE(body.value("detail", "").find(field), std::string::npos) << res.body << " does not name " << field;
  }

  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  http_client client;
};

json valid_v3() {
  return {{"sku", "A"}, {"manufactured_qty", 60}, {"year", 2010}, {"month", 5}, {"day", 1}, {"hour", 9},
          {"defect_qty", 5}, {"sku_manufacturing_cost", 140}};
}

TEST_F(SchemaBadInputTest, EachViolationNamesTheFieldAndStoresNothing) {
  auto wrong_type = valid_v3();
  wrong_type["manufactured_qty"] = "sixty";
  expect_refused(wrong_type, "widget.produced.v3", 400, "schema_violation", "data.manufactured_qty");
  auto negative = valid_v3();
  negative["defect_qty"] = -1;
  expect_refused(negative, "widget.produced.v3", 400, "schema_violation", "data.defect_qty");
  auto too_many_defects = valid_v3();
  too_many_defects["defect_qty"] = 61;
  expect_refused(too_many_defects, "widget.produced.v3", 400, "schema_violation", "data.defect_qty");
  auto missing = valid_v3();
  missing.erase("sku_manufacturing_cost");
  expect_refused(missing, "widget.produced.v3", 400, "schema_violation", "sku_manufacturing_cost");
  expect_refused(valid_v3(), "widget.produced.v1", 400, "schema_violation", "defect_qty");
  expect_refused(valid_v3(), "widget.produced.v9", 422, "unknown_schema_version", "widget.produced.v9");
}

TEST_F(SchemaBadInputTest, ABatchWithOneViolationStoresNone) {
  auto bad = valid_v3();
  bad["hour"] = 24;
  json batch = json::array({{{"type", "widget.produced.v3"}, {"data", valid_v3()}},
                            {{"type", "widget.produced.v3"}, {"data", bad}}});
  auto res = client.post(proc.url("/ingest"), batch.dump());
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(res.body.find("event[1]: data.hour"), std::string::npos) << res.body;
}

TEST_F(SchemaBadInputTest, SchemasAreServed) {
  auto list = client.get(proc.url("/schemas"));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json::parse(list.body)["schemas"].size(), 3u);
  auto one = client.get(proc.url("/schemas/widget.produced.v2"));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::parse(one.body)["title"], "widget.produced.v2");
  EXPECT_EQ(client.get(proc.url("/schemas/widget.produced.v4")).status, 404);
}

// An OLD process (--schema-versions 1,2) and a NEW one (every version) on one log.
class MixedVersionTest : public ::testing::Test {
 protected:
  json summary(eventbed_process& p, const std::string& query = "") {
    auto res = client.get(p.url("/summary" + query));
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body, nullptr, false);
  }

  redis_server redis;
  eventbed_process old_proc{redis.endpoint(), {"--schema-versions", "1,2"}};
  eventbed_process new_proc{redis.endpoint()};
  http_client client;
};

TEST_F(MixedVersionTest, OldSkipsAndSaysSoNewIsExactOldAgreesAfterUpgrade) {
  old_proc.start();
  new_proc.start();
  ASSERT_TRUE(old_proc.wait_ready()) << old_proc.log();
  ASSERT_TRUE(new_proc.wait_ready()) << new_proc.log();

  // Two SKUs over three days of March 2000 and the 1st of April: v1 and v2
  // through OLD, v3 through NEW; OLD refuses v3 and stores nothing of it.
  widget_generator gen(11, widget_skus(2));
  struct totals {
    int64_t made = 0;
    std::optional<int64_t> defect, cost;
  };
  std::map<std::tuple<int, int, std::string>, totals> expected;
  uint64_t first = (31 + 29 - 1) * 24 * 2;  // 2000-02-29 00:00: into March and April
  int v3_events = 0;
  for (uint64_t seq = first; seq < first + 4 * 24 * 2; ++seq) {
    auto h = gen.at(seq);
    int version = 1 + static_cast<int>(seq % 3);
    auto id = "mixed-" + std::to_string(seq);
    auto& target = version == 3 ? new_proc : old_proc;
    auto res = client.post(target.url("/ingest"), widget_body(id, version, h).dump());
    ASSERT_EQ(res.status, 202) << res.body;
    if (version == 3) {
      ++v3_events;
      auto refused = client.post(old_proc.url("/ingest"), widget_body(id + "-old", 3, h).dump());
      EXPECT_EQ(refused.status, 422) << refused.body;
    }
    auto& t = expected[{h.year, h.month, h.sku}];
    t.made += h.manufactured_qty;
    if (version >= 2) t.defect = t.defect.value_or(0) + h.defect_qty;
    if (version == 3) t.cost = t.cost.value_or(0) + h.manufactured_qty * h.sku_manufacturing_cost;
  }
  auto total = static_cast<long long>(4 * 24 * 2);
  ASSERT_EQ(log_length(redis), total) << "a 422 stored something";

  auto caught_up = [&](eventbed_process& p) {
    return eventually([&] { return json::parse(client.get(p.url("/stats")).body, nullptr, false).value("total", 0LL) == total; },
                      std::chrono::seconds(20));
  };
  ASSERT_TRUE(caught_up(new_proc));
  ASSERT_TRUE(caught_up(old_proc));

  // NEW: exact, every total, no coverage.
  auto fresh = summary(new_proc, "?year=2000");
  ASSERT_FALSE(fresh.is_discarded());
  EXPECT_FALSE(fresh.contains("coverage")) << fresh.dump();
  size_t rows = 0;
  for (const auto& month : fresh["data"]) {
    int64_t month_cost = 0;
    for (const auto& m : month["manufacturing"]) {
      ++rows;
      const auto& want = expected.at({month["year"].get<int>(), month["month"].get<int>(), m["sku"].get<std::string>()});
      EXPECT_EQ(m["totals"]["manufactured_qty"], want.made) << month.dump();
      EXPECT_EQ(m["totals"].contains("defect_qty"), want.defect.has_value());
      if (want.defect) {
        EXPECT_EQ(m["totals"]["defect_qty"], *want.defect);
      }
      if (want.cost) {
        EXPECT_EQ(m["totals"]["production_cost"], *want.cost);
        month_cost += *want.cost;
      }
    }
    EXPECT_EQ(month["total_manufacturing_cost"], month_cost) << month.dump();
    EXPECT_EQ(month["base_cost"], month_base_cost(month["year"], month["month"])) << month.dump();
  }
  EXPECT_EQ(rows, expected.size());

  // OLD: what it read is right, what it could not read is named, never guessed.
  auto old = summary(old_proc, "?year=2000");
  ASSERT_TRUE(old.contains("coverage")) << old.dump();
  EXPECT_EQ(old["coverage"]["complete"], false);
  EXPECT_EQ(old["coverage"]["skipped_events"], v3_events);
  EXPECT_EQ(old["coverage"]["skipped_by_type"]["widget.produced.v3"], v3_events);
  for (const auto& month : old["data"]) {
    EXPECT_FALSE(month.contains("total_manufacturing_cost")) << month.dump();
    for (const auto& m : month["manufacturing"]) EXPECT_FALSE(m["totals"].contains("production_cost"));
  }
  EXPECT_EQ(old_proc.metric("eventbed_projection_skipped_events"), v3_events);

  // Upgrade OLD to every version: its projection is rebuilt from the log and agrees with NEW.
  ASSERT_EQ(old_proc.stop(), 0) << old_proc.log();
  eventbed_process upgraded{redis.endpoint(), {}, old_proc.data_dir()};
  upgraded.start();
  ASSERT_TRUE(upgraded.wait_ready()) << upgraded.log();
  ASSERT_TRUE(caught_up(upgraded));
  EXPECT_EQ(upgraded.metric("eventbed_projection_rebuilds_total"), 1);
  EXPECT_EQ(upgraded.metric("eventbed_projection_skipped_events"), 0);
  EXPECT_EQ(summary(upgraded), summary(new_proc));
}

}  // namespace
