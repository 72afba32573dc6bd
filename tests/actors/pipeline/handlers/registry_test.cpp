#include <gtest/gtest.h>

#include <stdexcept>
#include <string_view>

#include "actors/pipeline/handlers/builtin.hpp"
#include "actors/pipeline/handlers/registry.hpp"

using namespace eventbed;

namespace {

event make(const std::string& type, const std::string& data = "null") {
  return event{"id-1", type, "", data, ""};
}

TEST(HandlerRegistryTest, RoutesByTypeAndFallsBack) {
  handler_registry reg;
  reg.add("a", [](const event&, std::string_view) { return handler_result::ok("\"A\""); });
  reg.set_fallback([](const event& ev, std::string_view) { return handler_result::ok("\"" + ev.type + "\""); });
  EXPECT_EQ(reg.handle(make("a"), "").detail, "\"A\"");
  EXPECT_EQ(reg.handle(make("zzz"), "").detail, "\"zzz\"");
}

TEST(HandlerRegistryTest, TheHandlerIsGivenTheTraceContextItContinues) {
  handler_registry reg;
  reg.set_fallback([](const event&, std::string_view traceparent) { return handler_result::ok(std::string(traceparent)); });
  EXPECT_EQ(reg.handle(make("a"), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").detail,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST(HandlerRegistryTest, NoHandlerIsAPermanentFailure) {
  handler_registry reg;
  auto r = reg.handle(make("x"), "");
  EXPECT_EQ(r.outcome, handler_result::kind::failed);
}

TEST(HandlerRegistryTest, ThrowingHandlerBecomesARetry) {
  handler_registry reg;
  reg.add("boom", [](const event&, std::string_view) -> handler_result { throw std::runtime_error("kaput"); });
  auto r = reg.handle(make("boom"), "");
  EXPECT_EQ(r.outcome, handler_result::kind::retry);
  EXPECT_NE(r.detail.find("kaput"), std::string::npos);
}

TEST(BuiltinHandlersTest, DefaultResultIsTheDigestOfThePayload) {
  auto reg = builtin_handlers();
  auto r = reg.handle(make("anything", R"({"a":1})"), "");
  EXPECT_EQ(r.outcome, handler_result::kind::processed);
  EXPECT_NE(r.detail.find(payload_digest(R"({"a":1})")), std::string::npos);
  EXPECT_NE(payload_digest("a"), payload_digest("b"));
}

TEST(BuiltinHandlersTest, PoisonRetriesAndRejectFails) {
  auto reg = builtin_handlers();
  EXPECT_EQ(reg.handle(make("eventbed.poison"), "").outcome, handler_result::kind::retry);
  EXPECT_EQ(reg.handle(make("eventbed.reject"), "").outcome, handler_result::kind::failed);
}

}  // namespace
