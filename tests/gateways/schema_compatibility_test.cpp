#include "gateways/schema_compatibility.hpp"

#include <gtest/gtest.h>

#include "gateways/schema_registry.hpp"

namespace eventbed {
namespace {

using json = nlohmann::json;

std::vector<json> shipped_family(const std::string& family) {
  std::vector<json> out;
  for (const auto& doc : shipped_schema_documents())
    if (std::string(doc.type).rfind(family + ".v", 0) == 0) out.push_back(json::parse(doc.text));
  return out;
}

TEST(SchemaCompatibility, ShippedWidgetVersionsAreBackwardTransitive) {
  auto versions = shipped_family("widget.produced");
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(family_problem(versions), "");
}

TEST(SchemaCompatibility, RemovingAFieldFails) {
  auto versions = shipped_family("widget.produced");
  auto v4 = versions.back();
  v4["properties"].erase("defect_qty");
  v4["required"].erase(std::find(v4["required"].begin(), v4["required"].end(), "defect_qty"));
  versions.push_back(v4);
  auto problem = family_problem(versions);
  EXPECT_NE(problem.find("v2 -> v4"), std::string::npos) << problem;
  EXPECT_NE(problem.find("'defect_qty' was removed"), std::string::npos) << problem;
}

TEST(SchemaCompatibility, RetypingAFieldFails) {
  auto versions = shipped_family("widget.produced");
  auto v4 = versions.back();
  v4["properties"]["manufactured_qty"]["type"] = "number";
  versions.push_back(v4);
  auto problem = family_problem(versions);
  EXPECT_NE(problem.find("'manufactured_qty' changed type"), std::string::npos) << problem;
}

TEST(SchemaCompatibility, DroppingARequirementFails) {
  auto versions = shipped_family("widget.produced");
  auto v4 = versions.back();
  v4["required"].erase(std::find(v4["required"].begin(), v4["required"].end(), "sku"));
  EXPECT_NE(backward_problem(versions[0], v4).find("'sku' is no longer required"), std::string::npos);
}

TEST(SchemaCompatibility, AddingAFieldPasses) {
  auto versions = shipped_family("widget.produced");
  auto v4 = versions.back();
  v4["properties"]["line"] = {{"type", "string"}};
  versions.push_back(v4);
  EXPECT_EQ(family_problem(versions), "");
}

}  // namespace
}  // namespace eventbed
