#include "gateways/schema_registry.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace eventbed {
namespace {

event widget(int version, std::string data) {
  event ev;
  ev.id = "w";
  ev.type = "widget.produced.v" + std::to_string(version);
  ev.data = std::move(data);
  return ev;
}

const char* v1 = R"({"sku":"A","manufactured_qty":60,"year":2001,"month":2,"day":3,"hour":9})";
const char* v2 = R"({"sku":"A","manufactured_qty":60,"year":2001,"month":2,"day":3,"hour":9,"defect_qty":5})";
const char* v3 =
    R"({"sku":"A","manufactured_qty":60,"year":2001,"month":2,"day":3,"hour":9,"defect_qty":5,"sku_manufacturing_cost":150})";

schema_registry shipped(schema_version_set known = {}) { return {shipped_schema_documents(), known}; }

TEST(SchemaRegistry, ShipsThreeWidgetVersions) {
  auto reg = shipped();
  auto list = nlohmann::json::parse(reg.list_json());
  EXPECT_EQ(list["compatibility"], "BACKWARD_TRANSITIVE");
  ASSERT_EQ(list["schemas"].size(), 3u);
  for (int v = 1; v <= 3; ++v) {
    EXPECT_EQ(list["schemas"][v - 1]["type"], "widget.produced.v" + std::to_string(v));
    EXPECT_EQ(list["schemas"][v - 1]["family"], "widget.produced");
    EXPECT_EQ(list["schemas"][v - 1]["version"], v);
    auto doc = reg.document("widget.produced.v" + std::to_string(v));
    ASSERT_TRUE(doc);
    EXPECT_EQ(nlohmann::json::parse(*doc)["title"], "widget.produced.v" + std::to_string(v));
  }
  EXPECT_FALSE(reg.document("widget.produced.v4"));
}

TEST(SchemaRegistry, ValidEventsOfEveryVersionPass) {
  auto reg = shipped();
  EXPECT_FALSE(reg.check(widget(1, v1)));
  EXPECT_FALSE(reg.check(widget(2, v2)));
  EXPECT_FALSE(reg.check(widget(3, v3)));
}

TEST(SchemaRegistry, OtherTypesAreOpaque) {
  auto reg = shipped();
  event ev;
  ev.type = "order.created";
  ev.data = "[1,2]";
  EXPECT_FALSE(reg.check(ev));
  ev.type = "order.created.v9";  // versioned-looking, but of a family without schemas
  EXPECT_FALSE(reg.check(ev));
}

void expect_violation(const schema_registry& reg, const event& ev, const std::string& field) {
  auto err = reg.check(ev);
  ASSERT_TRUE(err) << ev.type << " " << ev.data;
  EXPECT_EQ(err->http_status, 400);
  EXPECT_EQ(err->error, "schema_violation");
  EXPECT_NE(err->detail.find(field), std::string::npos) << err->detail << " does not name " << field;
}

// For every version: wrong types, negative quantities, missing and unknown
// fields, and defects above the quantity made, each named in the detail.
TEST(SchemaRegistry, ViolationsNameTheField) {
  auto reg = shipped();
  for (int v = 1; v <= 3; ++v) {
    const char* good = v == 1 ? v1 : v == 2 ? v2 : v3;
    auto with = [&](const std::string& key, nlohmann::json value) {
      auto d = nlohmann::json::parse(good);
      if (value.is_discarded()) d.erase(key);
      else d[key] = value;
      return widget(v, d.dump());
    };
    SCOPED_TRACE(v);
    expect_violation(reg, with("manufactured_qty", "60"), "data.manufactured_qty");
    expect_violation(reg, with("manufactured_qty", 6.5), "data.manufactured_qty");
    expect_violation(reg, with("manufactured_qty", -1), "data.manufactured_qty");
    expect_violation(reg, with("sku", 7), "data.sku");
    expect_violation(reg, with("month", 13), "data.month");
    expect_violation(reg, with("hour", 24), "data.hour");
    expect_violation(reg, with("year", nlohmann::json::value_t::discarded), "year");
    expect_violation(reg, with("colour", "red"), "colour");
    if (v >= 2) {
      expect_violation(reg, with("defect_qty", -3), "data.defect_qty");
      expect_violation(reg, with("defect_qty", 61), "data.defect_qty");
      expect_violation(reg, with("defect_qty", nlohmann::json::value_t::discarded), "defect_qty");
      EXPECT_FALSE(reg.check(with("defect_qty", 60))) << "defect_qty == manufactured_qty is allowed";
    } else {
      expect_violation(reg, with("defect_qty", 1), "defect_qty");  // not a v1 field
    }
    if (v == 3) expect_violation(reg, with("sku_manufacturing_cost", "high"), "data.sku_manufacturing_cost");
  }
  expect_violation(reg, widget(1, "[1]"), "data");
  expect_violation(reg, widget(1, "null"), "data");
}

TEST(SchemaRegistry, UnknownVersionOfAKnownFamilyHasItsOwnError) {
  auto reg = shipped();
  auto err = reg.check(widget(9, v3));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->http_status, 422);
  EXPECT_EQ(err->error, "unknown_schema_version");
  EXPECT_NE(err->detail.find("widget.produced.v9"), std::string::npos) << err->detail;
}

// --schema-versions 1,2: the process is an older build that never heard of v3.
TEST(SchemaRegistry, ASubsetOfVersionsActsLikeAnOlderBuild) {
  auto reg = shipped(schema_version_set::parse("1,2"));
  EXPECT_FALSE(reg.check(widget(2, v2)));
  auto err = reg.check(widget(3, v3));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error, "unknown_schema_version");
  EXPECT_NE(err->detail.find("widget.produced.v1, widget.produced.v2"), std::string::npos) << err->detail;
  EXPECT_FALSE(reg.document("widget.produced.v3"));
  EXPECT_EQ(nlohmann::json::parse(reg.list_json())["schemas"].size(), 2u);
}

TEST(SchemaRegistry, ABatchNamesTheBadElement) {
  auto reg = shipped();
  auto err = reg.check({widget(1, v1), widget(2, R"({"sku":"A"})")}, true);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->detail.rfind("event[1]: ", 0), 0u) << err->detail;
}

TEST(SchemaRegistry, RefusesDocumentsThatBreakTheRule) {
  std::string older = R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]})";
  std::string newer = R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"]})";
  EXPECT_THROW(schema_registry({{"x.v1", older}, {"x.v2", newer}}, {}), std::invalid_argument);
  EXPECT_THROW(schema_registry({{"x.v1", older}, {"x.v3", older}}, {}), std::invalid_argument);
  EXPECT_THROW(schema_registry({{"unversioned", older}}, {}), std::invalid_argument);
  EXPECT_NO_THROW(schema_registry({{"x.v1", older}, {"x.v2", older}}, {}));
}

}  // namespace
}  // namespace eventbed
