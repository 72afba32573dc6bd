// Shared helpers for the parse_ingest tests: accept() and reject() run one body
// and report a wrong outcome as a test failure, so each test states only the
// expected result.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateways/event_parser.hpp"

namespace eventbed::ingest_test {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kCloudEvent = "application/cloudevents+json";
constexpr std::string_view kCloudBatch = "application/cloudevents-batch+json";
constexpr std::string_view kTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr std::string_view kOtherTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

// Per event, whether the client chose its id (the idempotent path).
inline std::vector<bool> client_id_flags(const ingest_request& req) {
  std::vector<bool> flags;
  for (const auto& ev : req.events)
    flags.push_back(ev.client_id);
  return flags;
}

inline ingest_request accept(std::string_view content_type, std::string_view body,
                             std::string_view traceparent = "", const ingest_limits& limits = {}) {
  auto result = parse_ingest(content_type, body, traceparent, limits);
  if (auto* error = std::get_if<ingest_error>(&result)) {
    ADD_FAILURE() << "rejected " << body << ": " << error->error << ": " << error->detail;
    return {};
  }
  return std::get<ingest_request>(std::move(result));
}

// Rejection means an error and no request at all.
inline ingest_error reject(std::string_view content_type, std::string_view body,
                           const ingest_limits& limits = {}) {
  auto result = parse_ingest(content_type, body, "", limits);
  if (!std::holds_alternative<ingest_error>(result)) {
    ADD_FAILURE() << "accepted " << body;
    return {};
  }
  return std::get<ingest_error>(std::move(result));
}

#define EXPECT_REJECTED(error_value, status, code)  \
  do {                                              \
    const ingest_error e_ = (error_value);          \
    EXPECT_EQ(e_.http_status, status) << e_.detail; \
    EXPECT_EQ(e_.error, code) << e_.detail;         \
  } while (0)

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace eventbed::ingest_test
