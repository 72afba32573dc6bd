// The resource tracing sends, from the caller's attributes and OpenTelemetry's
// variables: OTEL_RESOURCE_ATTRIBUTES over the caller's, OTEL_SERVICE_NAME over both.
#include "common/tracing.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

using namespace eventbed::tracing;

namespace {

class TracingSettings : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME"})
      ::unsetenv(name);
  }

  // The resource for the caller's service.name "eventbed" and service.version "1.0".
  resource_info resource() {
    ::setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", 1);
    resource_info own;
    own.attributes = {{"service.name", std::string("eventbed")}, {"service.version", std::string("1.0")}};
    problems.clear();
    return settings_from_environment(own, problems).exporter.resource;
  }

  static std::string value(const resource_info& r, const std::string& key) {
    for (const auto& [k, v] : r.attributes)
      if (k == key)
        return std::get<std::string>(v);
    return "<absent>";
  }

  std::vector<std::string> problems;
};

TEST_F(TracingSettings, ResourceAttributesAreDecodedAndSetOverTheCallersAndTheServiceNameOverBoth) {
  ::setenv("OTEL_RESOURCE_ATTRIBUTES", " team = a%2Cb%20c%3D ,service.version=2.0,service.name=x,empty=", 1);
  auto r = resource();
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(value(r, "team"), "a,b c=");
  EXPECT_EQ(value(r, "service.version"), "2.0");
  EXPECT_EQ(value(r, "service.name"), "x");
  EXPECT_EQ(value(r, "empty"), "");
  EXPECT_EQ(r.attributes.size(), 4u) << "a key is set once";
  ::setenv("OTEL_SERVICE_NAME", "orders,eu%20", 1);  // taken as written: not a list, not encoded
  EXPECT_EQ(value(resource(), "service.name"), "orders,eu%20");
}

TEST_F(TracingSettings, OneMalformedEntryDiscardsTheWholeVariableAndNamesNoValue) {
  for (const char* bad : {"team=ok,secret-value", "team=ok,=v", "team=ok,k=%4", "team=ok,k=%g1"}) {
    ::setenv("OTEL_RESOURCE_ATTRIBUTES", bad, 1);
    auto r = resource();
    EXPECT_EQ(value(r, "team"), "<absent>") << bad;
    EXPECT_EQ(value(r, "service.name"), "eventbed") << bad;
    ASSERT_EQ(problems.size(), 1u) << bad;
    EXPECT_NE(problems[0].find("entry 2 of OTEL_RESOURCE_ATTRIBUTES"), std::string::npos) << problems[0];
    EXPECT_EQ(problems[0].find("secret"), std::string::npos) << problems[0];
  }
}

}  // namespace
