// The HTTP server over real loopback sockets: routing, exactly-once replies,
// answers from other threads, the drain used by shutdown, and persistent
// connections: when they close, and what pipelined requests get.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gateways/http_server.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_connection.hpp"

using namespace eventbed;
using namespace std::chrono_literals;

namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void start() {
    server.observe_connections([this] { ++accepted; });
    server.start();
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }

  int port = pick_free_port();
  http_server server{http_server::options{"127.0.0.1", static_cast<uint16_t>(port), 1, 64 * 1024, ""}};
  http_client client{3000};
  std::atomic<int> accepted{0};
};

// A route whose answers the test gives, one by one, from its own thread.
class held_route {
 public:
  void operator()(http_request& req, http_reply r) {
    std::lock_guard<std::mutex> lock(mu_);
    bodies_.push_back(req.body);
    replies_.push_back(std::move(r));
  }
  size_t calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return replies_.size();
  }
  // Answers the oldest held request with its own body.
  void answer_next() {
    std::lock_guard<std::mutex> lock(mu_);
    auto r = replies_.at(answered_);
    auto body = bodies_.at(answered_++);
    std::thread([r, body]() mutable { r.send(202, body); }).join();
  }

 private:
  std::mutex mu_;
  std::vector<http_reply> replies_;
  std::vector<std::string> bodies_;
  size_t answered_ = 0;
};

std::string post(const std::string& path, const std::string& body, const std::string& headers = "",
                 const std::string& version = "HTTP/1.1") {
  return "POST " + path + " " + version + "\r\nHost: x\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Sends each piece with a pause after it, so that the server reads them apart.
bool send_in_separate_reads(raw_connection& c, const std::vector<std::string>& pieces) {
  for (const auto& p : pieces) {
    if (!c.send(p))
      return false;
    std::this_thread::sleep_for(30ms);
  }
  return true;
}

std::string get(const std::string& path, const std::string& headers = "",
                const std::string& version = "HTTP/1.1") {
  return "GET " + path + " " + version + "\r\nHost: x\r\n" + headers + "\r\n";
}

TEST_F(HttpServerTest, RoutesByMethodAndPathWith404And405) {
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, R"({"at":"a"})"); });
  server.route_template("GET", "/items/{id}", [](http_request& req, http_reply r) {
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

TEST_F(HttpServerTest, ARouteTemplateEndsInOneParameter) {
  auto ok = [](http_request&, http_reply r) { r.send(200, "{}"); };
  for (const char* bad : {"/items/", "/items/{id}/more", "/items/{}", "/items/x{id}", "/items/{a}{b}", "items"})
    EXPECT_THROW(server.route_template("GET", bad, ok), std::invalid_argument) << bad;
  server.route_template("GET", "/items/{id}", ok);
  EXPECT_EQ(server.routes().back(), std::make_pair(std::string("GET"), std::string("/items/{id}")));
}

TEST_F(HttpServerTest, MethodNotAllowedNamesThePathsMethodsInAllow) {
  auto ok = [](http_request&, http_reply r) { r.send(200, "{}"); };
  server.route("POST", "/a", ok);
  server.route("DELETE", "/a", ok);
  server.route("GET", "/items/7", ok);  // GET also by the template: named once
  server.route_template("GET", "/items/{id}", ok);
  server.route_template("PUT", "/items/{id}", ok);
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
  // Out of flight just after the answer is written, on the answering thread.
  EXPECT_TRUE(eventually([&] { return server.in_flight() == 0; }, 3s));
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

TEST_F(HttpServerTest, ConnectionsArePersistentByDefaultAndCounted) {
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  server.route("POST", "/later", [](http_request& req, http_reply r) {
    std::thread([r, body = req.body]() mutable { r.send(202, body); }).detach();
  });
  start();
  // libcurl without any Connection header: one connection for everything.
  for (int i = 0; i < 5; ++i) {
    auto res = client.get(url("/a"));
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.header("Connection"), "") << "HTTP/1.1 persistence needs no header";
    EXPECT_EQ(client.post(url("/later"), std::to_string(i)).body, std::to_string(i));
    EXPECT_EQ(client.get(url("/missing")).status, 404);  // an error in step keeps it too
  }
  EXPECT_EQ(accepted.load(), 1);
  // By hand: answers on one connection, which stays open.
  raw_connection c(port);
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/a")));
    auto r = c.read(3s);
    ASSERT_TRUE(r.answered) << "closed=" << r.closed;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.connection(), "");
  }
  EXPECT_FALSE(c.closes_within(200ms));
  EXPECT_EQ(accepted.load(), 2);
}

TEST_F(HttpServerTest, ClosesExactlyWhenTheRequestAsksForIt) {
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  server.route("POST", "/later", [](http_request& req, http_reply r) {
    std::thread([r, body = req.body]() mutable { r.send(202, body); }).detach();
  });
  start();
  struct close_case {
    std::string request;
    std::string connection;  // in the answer
    bool closes;
  };
  const close_case cases[] = {
      {get("/a", "Connection: close\r\n"), "close", true},
      {post("/later", "{}", "Connection: close\r\n"), "close", true},
      {get("/a", "Connection: keep-alive, close\r\n"), "close", true},
      {get("/a", "", "HTTP/1.0"), "close", true},
      {post("/later", "{}", "", "HTTP/1.0"), "close", true},
      {get("/a", "Connection: keep-alive\r\n", "HTTP/1.0"), "keep-alive", false},
      {post("/later", "{}", "Connection: Keep-Alive\r\n", "HTTP/1.0"), "keep-alive", false},
      {get("/a", "Connection: keep-alive\r\n"), "", false},
      {get("/a", "Connection: Upgrade\r\n"), "", false},
      {get("/nope", ""), "", false},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.request.substr(0, k.request.find("\r\nContent-Length")));
    raw_connection c(port);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.send(k.request));
    auto r = c.read(3s);
    ASSERT_TRUE(r.answered);
    EXPECT_EQ(r.connection(), k.connection) << r.headers;
    if (k.closes) {
      EXPECT_TRUE(c.closes_within(2s)) << "the server did not close the connection";
    } else {
      EXPECT_FALSE(c.closes_within(100ms));
      ASSERT_TRUE(c.send(k.request));  // the same again on the same connection
      auto again = c.read(3s);
      ASSERT_TRUE(again.answered) << "closed=" << again.closed;
      EXPECT_EQ(again.status, r.status);
    }
  }
}

TEST_F(HttpServerTest, ChunkedRequestsKeepTheConnectionInStepWhateverTheReads) {
  server.route("POST", "/echo", [](http_request& req, http_reply r) { r.send(200, req.body); });
  start();
  raw_connection c(port);
  ASSERT_TRUE(c.connected());
  // One request in pieces that split the chunk data from its CRLF, the last
  // chunk from the final CRLF, and a trailer line; then two requests in one write.
  const std::vector<std::string> pieces = {
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
      "lo\r",
      "\n6\r\n world\r\n0\r\n",
      "X-Trailer: yes\r\n",
      "\r\n"};
  ASSERT_TRUE(send_in_separate_reads(c, pieces));
  auto r = c.read(3s);
  ASSERT_TRUE(r.answered) << "closed=" << r.closed;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n" +
                     post("/echo", "cd")));
  r = c.read(3s);
  EXPECT_EQ(r.body, "ab");
  r = c.read(3s);
  EXPECT_EQ(r.body, "cd");
  EXPECT_EQ(r.connection(), "");
  EXPECT_EQ(accepted.load(), 1);
}

TEST_F(HttpServerTest, ContentLengthBodiesArriveWholeWhateverTheReads) {
  server.route("POST", "/echo", [](http_request& req, http_reply r) { r.send(200, req.body); });
  start();
  raw_connection c(port);
  ASSERT_TRUE(c.connected());
  // The head with the body's first bytes, the body's middle, its end with the
  // whole next request, then a request of zero bytes and a binary one.
  const std::string body = "{\"a\":\"" + std::string(3000, 'x') + "\"}";
  const std::string binary("\0\r\n\r\nGET / HTTP/1.1\r\n\r\n\xff", 25);
  const std::string first = post("/echo", body);
  const size_t head = first.size() - body.size();
  const std::vector<std::string> pieces = {first.substr(0, head + 5), first.substr(head + 5, 1000),
                                           first.substr(head + 1005) + post("/echo", "next")};
  ASSERT_TRUE(send_in_separate_reads(c, pieces));
  auto r = c.read(3s);
  ASSERT_TRUE(r.answered) << "closed=" << r.closed;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, body);
  r = c.read(3s);
  EXPECT_EQ(r.body, "next");
  ASSERT_TRUE(c.send(post("/echo", "") + post("/echo", binary)));
  r = c.read(3s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  r = c.read(3s);
  EXPECT_EQ(r.body, binary);
  EXPECT_EQ(accepted.load(), 1);
}

// The head's fields reach the route without the HTTP library's header
// parser: names as sent, values trimmed, the first of a repeated name.
TEST_F(HttpServerTest, HeaderFieldsReachTheRouteAsSent) {
  server.route("POST", "/echo", [](http_request& req, http_reply r) {
    std::string seen = req.content_type + "|" + req.traceparent;
    for (const auto& [name, value] : req.headers)
      seen += "|" + name + "=" + value;
    r.send(200, seen);
  });
  start();
  raw_connection c(port);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(post("/echo", "{}", "content-type:  application/json ;x=1\r\nTraceParent: tp\r\n"
                                         "X-A: 1\r\nx-a: 2\r\n")));
  auto r = c.read(3s);
  ASSERT_TRUE(r.answered);
  EXPECT_EQ(r.body,
            "application/json ;x=1|tp|Host=x|content-type=application/json ;x=1|TraceParent=tp|X-A=1|"
            "Content-Length=2");
}

TEST_F(HttpServerTest, PipelinedRequestsAreNotReadWhileOneIsUnansweredAndTheAnswerCloses) {
  held_route held;
  server.route("POST", "/held", std::ref(held));
  start();
  raw_connection c(port);
  ASSERT_TRUE(c.connected());
  // Three requests in one write: only the first reaches the route.
  ASSERT_TRUE(c.send(post("/held", "1") + post("/held", "2") + post("/held", "3")));
  ASSERT_TRUE(eventually([&] { return held.calls() == 1; }, 2s));
  // A fourth, later, while the first is still unanswered.
  ASSERT_TRUE(c.send(post("/held", "4")));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(held.calls(), 1u) << "a pipelined request was handed to the route";
  held.answer_next();
  auto r = c.read(3s);
  ASSERT_TRUE(r.answered);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "1");
  EXPECT_EQ(r.connection(), "close") << "the client must learn it has to resend the rest";
  EXPECT_TRUE(c.closes_within(2s));
  EXPECT_EQ(held.calls(), 1u);

  // A request sent after its predecessor was answered is just the next one.
  raw_connection c2(port);
  ASSERT_TRUE(c2.send(post("/held", "5")));
  ASSERT_TRUE(eventually([&] { return held.calls() == 2; }, 2s));
  held.answer_next();
  EXPECT_EQ(c2.read(3s).body, "5");
  ASSERT_TRUE(c2.send(post("/held", "6")));
  ASSERT_TRUE(eventually([&] { return held.calls() == 3; }, 2s));
  held.answer_next();
  r = c2.read(3s);
  EXPECT_EQ(r.body, "6");
  EXPECT_EQ(r.connection(), "");
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredAtOnceAreAllServedInOrder) {
  server.route("GET", "/a", [](http_request& req, http_reply r) { r.send(200, "\"" + req.path + "\""); });
  server.route_template("GET", "/p/{n}", [](http_request& req, http_reply r) { r.send(200, "\"" + req.path + "\""); });
  start();
  raw_connection c(port);
  ASSERT_TRUE(c.connected());
  // Routes that answer before returning: each answer is queued before the
  // next request is read, so every one is served, in order.
  std::string all;
  for (int i = 0; i < 20; ++i)
    all += get("/p/" + std::to_string(i));
  ASSERT_TRUE(c.send(all + get("/missing") + get("/a", "Connection: close\r\n") + get("/p/never")));
  for (int i = 0; i < 20; ++i) {
    auto r = c.read(3s);
    ASSERT_TRUE(r.answered) << i;
    EXPECT_EQ(r.body, "\"/p/" + std::to_string(i) + "\"");
  }
  EXPECT_EQ(c.read(3s).status, 404);
  auto last = c.read(3s);
  EXPECT_EQ(last.body, "\"/a\"");
  EXPECT_EQ(last.connection(), "close");
  EXPECT_TRUE(c.closes_within(2s)) << "a request after Connection: close was answered";
}

// An answer is written on the answering thread; what the socket does not take
// at once goes through the transport, and so does every answer after it on
// that connection. A client that reads nothing for a while gets a 16 MB
// answer whole (the kernel's buffers hold a few MB), and a request it sent
// behind it gets its answer after it, from another thread, not inside it.
TEST_F(HttpServerTest, AnAnswerTheSocketCannotTakeAtOnceArrivesWholeAndBeforeTheNext) {
  const std::string big(16 << 20, 'x');
  server.route("GET", "/big", [&big](http_request&, http_reply r) { r.send(200, "\"" + big + "\""); });
  held_route small;
  server.route("POST", "/small", std::ref(small));
  start();
  raw_connection c(port);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(get("/big")));
  std::this_thread::sleep_for(200ms);  // the server writes into full buffers meanwhile
  ASSERT_TRUE(c.send(post("/small", "\"after\"")));
  ASSERT_TRUE(eventually([&] { return small.calls() == 1; }, 3s)) << "the request behind the answer was not read";
  small.answer_next();
  auto first = c.read(10s);
  ASSERT_TRUE(first.answered);
  EXPECT_EQ(first.status, 200);
  ASSERT_EQ(first.body.size(), big.size() + 2);
  EXPECT_EQ(first.body.find_first_not_of('x', 1), big.size() + 1) << "another answer's bytes inside this one";
  auto second = c.read(3s);
  ASSERT_TRUE(second.answered);
  EXPECT_EQ(second.status, 202);
  EXPECT_EQ(second.body, "\"after\"");
  EXPECT_EQ(accepted.load(), 1);
}

// drain() and refuse_new() close a connection between requests once it has
// rested 250 ms; called as serve calls drain(), every 100 ms, until it closes.
template <class Call>
bool closes_once_at_rest(raw_connection& c, Call call) {
  return eventually([&] {
    call();
    return c.closes_within(100ms);
  }, 3s);
}

// Draining: a connection between requests is closed once at rest (its client's
// next request goes through the Service to a ready replica instead of waiting
// here for the 503 after the drain delay); one in the middle of a request is
// closed after its answer; one that has not carried a request yet, after its
// first answer. After refuse_new, new connections are kept alive with 503s.
// (That a connection answered a moment ago is left to its next answer is
// ShutdownTest.SigtermUnderLoadAnswersEveryRequestAndLosesNothing's to show.)
TEST_F(HttpServerTest, DrainClosesIdleConnectionsAtOnceAndOthersAfterTheirNextAnswer) {
  held_route held;
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  server.route("POST", "/held", [&](http_request& req, http_reply r) { held(req, std::move(r)); });
  start();
  raw_connection idle(port), busy(port), fresh(port);
  ASSERT_TRUE(idle.send(get("/a")));
  EXPECT_EQ(idle.read(3s).connection(), "");
  ASSERT_TRUE(busy.send(post("/held", "1")));
  ASSERT_TRUE(eventually([&] { return held.calls() == 1; }, 2s));
  ASSERT_TRUE(eventually([&] { return accepted.load() == 3; }, 2s));
  EXPECT_TRUE(closes_once_at_rest(idle, [&] { server.drain(); })) << "an idle connection outlived the drain";
  held.answer_next();
  auto r = busy.read(3s);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.connection(), "close");
  EXPECT_TRUE(busy.closes_within(2s));
  ASSERT_TRUE(fresh.send(get("/a")));
  r = fresh.read(3s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.connection(), "close");
  EXPECT_TRUE(fresh.closes_within(2s));
  server.refuse_new();
  raw_connection after(port);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(after.send(get("/a")));
    r = after.read(3s);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.connection(), "");
  }
}

// A request routed while draining and answered after refuse_new (which keeps
// connections alive) still closes its connection: its client's next request
// would otherwise come back here for a 503.
TEST_F(HttpServerTest, AnAnswerAfterRefuseNewToARequestRoutedWhileDrainingCloses) {
  held_route held;
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  server.route("POST", "/held", [&](http_request& req, http_reply r) { held(req, std::move(r)); });
  start();
  raw_connection drained(port);
  server.drain();
  ASSERT_TRUE(drained.send(post("/held", "1")));
  ASSERT_TRUE(eventually([&] { return held.calls() == 1; }, 2s));
  server.refuse_new();
  held.answer_next();
  auto r = drained.read(3s);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.connection(), "close");
  EXPECT_TRUE(drained.closes_within(2s));
}

TEST_F(HttpServerTest, RefuseNewClosesIdleConnections) {
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  start();
  raw_connection idle(port);
  ASSERT_TRUE(idle.send(get("/a")));
  EXPECT_EQ(idle.read(3s).connection(), "");
  EXPECT_TRUE(closes_once_at_rest(idle, [&] { server.refuse_new(); }));
}

TEST_F(HttpServerTest, RefusedBytesCloseAfterTheAnswerEvenWithMoreBytesUnread) {
  server.route("POST", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  start();
  raw_connection c(port);
  ASSERT_TRUE(c.send(post("/a", "{}")));
  EXPECT_EQ(c.read(3s).status, 200);
  // Over the 64 KiB limit by its Content-Length, and its body still comes:
  // the 413 must arrive whole, then the close (no reset that could destroy it).
  ASSERT_TRUE(c.send("POST /a HTTP/1.1\r\nContent-Length: 300000\r\n\r\n"));
  ASSERT_TRUE(c.send(std::string(300000, 'x')));
  auto r = c.read(3s);
  ASSERT_TRUE(r.answered) << "closed=" << r.closed;
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.connection(), "close");
  EXPECT_TRUE(c.closes_within(2s));
}

// Every answer names the served version, whichever path made it: a route's
// answer and error, 404, 405, a dropped reply's 500, the 503 while shutting
// down, and the 400 for bytes that never reached a route.
TEST(HttpServerVersionTest, EveryAnswerCarriesTheServedVersion) {
  int port = pick_free_port();
  http_server server{http_server::options{"127.0.0.1", static_cast<uint16_t>(port), 1, 64 * 1024, "9.8.7+canary"}};
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  server.route("POST", "/err", [](http_request&, http_reply r) { r.send_error(400, "bad", "no", 0); });
  server.route("GET", "/drop", [](http_request&, http_reply) {});
  server.start();
  http_client client{3000};
  auto at = [&](const std::string& path) { return "http://127.0.0.1:" + std::to_string(port) + path; };
  std::vector<std::pair<std::string, http_result>> answers = {
      {"200", client.get(at("/a"))},
      {"route error", client.post(at("/err"), "{}")},
      {"404", client.get(at("/nowhere"))},
      {"405", client.get(at("/err"))},
      {"dropped reply", client.get(at("/drop"))}};
  server.refuse_new();
  answers.emplace_back("shutting down", client.get(at("/a")));
  for (const auto& [what, res] : answers) {
    EXPECT_NE(res.status, 0) << what;
    EXPECT_EQ(res.header("Eventbed-Version"), "9.8.7+canary") << what << ": " << res.status;
  }
  raw_connection c(port);
  ASSERT_TRUE(c.send("NOT HTTP AT ALL\r\n\r\n"));
  auto refused = c.read(3s);
  ASSERT_TRUE(refused.answered);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.header("Eventbed-Version"), "9.8.7+canary") << "bytes refused before any route";
}

TEST_F(HttpServerTest, NoVersionHeaderUnlessTheServerHasOne) {
  server.route("GET", "/a", [](http_request&, http_reply r) { r.send(200, "{}"); });
  start();
  EXPECT_EQ(client.get(url("/a")).header("Eventbed-Version"), "");
}

}  // namespace
