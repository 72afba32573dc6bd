// Splitting a head the request screen accepted: the request line, and the
// fields as routes see them.
#include "gateways/http_head.hpp"

#include <gtest/gtest.h>

using namespace eventbed;

TEST(HttpHead, SplitsTheRequestLineAndTrimsEachValue) {
  auto head = split_http_head(
      "POST /ingest?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type:application/json \r\n"
      "ce-id:\t a b \t\r\nX-Empty:\r\n\r\n");
  EXPECT_EQ(head.request_line, "POST /ingest?x=1 HTTP/1.1");
  http_fields expected{{"Host", "127.0.0.1:8080"},
                       {"Content-Type", "application/json"},
                       {"ce-id", "a b"},
                       {"X-Empty", ""}};
  EXPECT_EQ(head.fields, expected);
}

TEST(HttpHead, ARepeatedNameInAnyCaseKeepsItsFirstValue) {
  auto head = split_http_head("GET / HTTP/1.1\r\ntraceparent: one\r\nTraceParent: two\r\nA: 1\r\n\r\n");
  ASSERT_EQ(head.fields.size(), 2u);
  EXPECT_EQ(http_field(head.fields, "TRACEPARENT"), "one");
  EXPECT_EQ(http_field(head.fields, "a"), "1");
  EXPECT_EQ(http_field(head.fields, "missing"), "");
}

TEST(HttpHead, AHeadWithoutFields) {
  auto head = split_http_head("GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(head.request_line, "GET /healthz HTTP/1.0");
  EXPECT_TRUE(head.fields.empty());
}
