// The HTTP server over real loopback sockets: routing, exactly-once replies,
// answers from other threads, and the drain used by shutdown.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "gateways/http_server.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/http_client.hpp"

using namespace eventbed;

namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void start() {
    server.start();
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }

  int port = pick_free_port();
  http_server server{http_server::options{"127.0.0.1", static_cast<uint16_t>(port), 1, 64 * 1024}};
  http_client client{3000};
};

TEST_F(HttpServerTest, RoutesByMethodAndPathWith404And405) {
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, R"({"at":"a"})"); });
  server.route_prefix("GET", "/items/", [](http_request& req, http_reply r) {
    r.send(200, "\"" + req.path + "\"");
  });
  start();
  EXPECT_EQ(client.get(url("/a")).body, R"({"at":"a"})");
  EXPECT_EQ(client.get(url("/items/42")).body, "\"/items/42\"");
  auto missing = client.get(url("/b"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("not_found"), std::string::npos);
  EXPECT_EQ(client.post(url("/a"), "{}").status, 405);
}

TEST_F(HttpServerTest, MethodNotAllowedNamesThePathsMethodsInAllow) {
  auto ok = [](http_request&, http_reply r) { r.send(200, "{}"); };
  server.route("POST", "/a", ok);
  server.route("DELETE", "/a", ok);
  server.route("GET", "/items/7", ok);  // GET also by the prefix route: named once
  server.route_prefix("GET", "/items/", ok);
  server.route_prefix("PUT", "/items/", ok);
  start();
  auto get_a = client.get(url("/a"));
  EXPECT_EQ(get_a.status, 405);
  EXPECT_EQ(get_a.header("Allow"), "POST, DELETE");
  EXPECT_NE(get_a.body.find("method_not_allowed"), std::string::npos);
  auto post_item = client.post(url("/items/7"), "{}");
  EXPECT_EQ(post_item.status, 405);
  EXPECT_EQ(post_item.header("Allow"), "GET, PUT");
}

TEST_F(HttpServerTest, ReplyFromAnotherThreadWithHeadersAndContentType) {
  server.route("POST", "/later", [](http_request& req, http_reply r) {
    std::thread([r, body = req.body]() mutable {
      r.send(202, body, {{"X-Echo", "yes"}}, "application/json");
    }).detach();
  });
  start();
  auto res = client.post(url("/later"), R"({"n":1})");
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.body, R"({"n":1})");
  EXPECT_EQ(res.header("X-Echo"), "yes");
  EXPECT_EQ(res.header("Content-Type"), "application/json");
}

TEST_F(HttpServerTest, FirstAnswerWinsAndErrorsCarryRetryAfter) {
  server.route("GET", "/twice", [](http_request&, http_reply r) {
    r.send_error(503, "busy", "try later", 2);
    r.send(200, "{}");
  });
  start();
  auto res = client.get(url("/twice"));
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.header("Retry-After"), "2");
  EXPECT_NE(res.body.find(R"("error":"busy")"), std::string::npos);
}

TEST_F(HttpServerTest, DroppedReplyAnswers500InsteadOfHanging) {
  server.route("GET", "/drop", [](http_request&, http_reply) {});
  start();
  auto res = client.get(url("/drop"));
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(server.in_flight(), 0u);
}

TEST_F(HttpServerTest, RefuseNewAnswersInFlightAndWaitIdleWaitsForThem) {
  std::promise<http_reply> held;
  server.route("GET", "/slow", [&](http_request&, http_reply r) { held.set_value(r); });
  server.route("GET", "/fast", [](http_request&, http_reply r) { r.send(200, "{}"); });
  start();
  auto slow = std::async(std::launch::async, [&] {
    http_client own(5000);
    return own.get(url("/slow"));
  });
  auto reply = held.get_future().get();
  EXPECT_EQ(server.in_flight(), 1u);
  server.refuse_new();
  auto refused = client.get(url("/fast"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("shutting_down"), std::string::npos);
  EXPECT_FALSE(server.wait_idle(std::chrono::milliseconds(50)));
  reply.send(200, R"({"late":true})");
  EXPECT_TRUE(server.wait_idle(std::chrono::seconds(2)));
  EXPECT_EQ(slow.get().body, R"({"late":true})");
}

}  // namespace
