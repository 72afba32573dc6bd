// The bytes of an answer: what Pistache's ResponseWriter wrote, and no field
// a value can smuggle in.
#include "gateways/http_response.hpp"

#include <gtest/gtest.h>

using namespace eventbed;

TEST(HttpResponse, StatusLineFieldsInOrderThenContentLengthAndBody) {
  http_response r(false, 202);
  r.add("Content-Type", "application/json");
  r.add("Eventbed-Version", "1.2.3+blue");
  EXPECT_EQ(std::move(r).finish(R"({"id":"a"})"),
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nEventbed-Version: 1.2.3+blue\r\n"
            "Content-Length: 10\r\n\r\n{\"id\":\"a\"}");
}

TEST(HttpResponse, RepeatsAnHttp10RequestsVersion) {
  http_response r(true, 404);
  r.add("Connection", "keep-alive");
  EXPECT_EQ(std::move(r).finish(""),
            "HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponse, ReasonPhrasesOfTheCodesEventbedAnswers) {
  for (auto [status, reason] : std::initializer_list<std::pair<int, const char*>>{
           {200, "OK"}, {400, "Bad Request"}, {405, "Method Not Allowed"}, {413, "Request Entity Too Large"},
           {415, "Unsupported Media Type"}, {500, "Internal Server Error"}, {503, "Service Unavailable"}}) {
    auto bytes = http_response(false, status).finish("");
    EXPECT_EQ(bytes.substr(0, bytes.find("\r\n")), "HTTP/1.1 " + std::to_string(status) + " " + reason);
  }
}

TEST(HttpResponse, ACarriageReturnOrLineFeedInAValueIsDropped) {
  http_response r(false, 200);
  r.add("Content-Type", "text/plain\r\nSet-Cookie: x=1\n\r\n<html>");
  EXPECT_EQ(std::move(r).finish("ok"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plainSet-Cookie: x=1<html>\r\nContent-Length: 2\r\n\r\nok");
}
