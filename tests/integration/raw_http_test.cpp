// Hostile bytes on the public port, sent over raw sockets to the real binary.
//
// curl cannot send most of these (it normalizes paths, writes well-formed
// requests, never stalls mid-request), and the parser tests in tests/gateways
// stop at parse_ingest(): here the bytes go through Pistache, the router and
// the gateway as an attacker would send them. Every case must end in a clear
// 4xx (JSON from eventbed's routes) or, for bytes that are not HTTP at all, a
// closed connection; afterwards the process is still up (/livez 200), still
// serves a normal request, and the log (XLEN eventbed:events) holds nothing
// the case sent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/redis_connection.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_connection.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

std::string post_request(const std::string& body, const std::string& content_type = "application/json") {
  return "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string get_request(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

class RawHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();
  }

  // The case stored nothing, and the process is up and still serves.
  void TearDown() override {
    EXPECT_TRUE(proc.running()) << "eventbed died\n" << proc.log();
    http_client client(2000);
    EXPECT_EQ(client.get(proc.admin_url("/livez")).status, 200);
    EXPECT_EQ(client.get(proc.url("/events/after-the-case")).status, 404)
        << "the public port no longer answers";
    EXPECT_EQ(xlen(), expected_stored) << "a rejected request stored something";
  }

  long long xlen() {
    redis_connection conn(parse_redis_endpoint(redis.endpoint()));
    return conn.command({"XLEN", "eventbed:events"}).integer;
  }

  raw_reply exchange(const std::string& bytes, std::chrono::milliseconds timeout = 5s) {
    raw_connection c(proc.port());
    EXPECT_TRUE(c.connected());
    c.send(bytes);
    return c.read(timeout);
  }

  // An eventbed route answered: a 4xx with the JSON error body and code.
  static void expect_json_error(const raw_reply& r, int status, const std::string& code) {
    ASSERT_TRUE(r.answered) << "no answer (closed=" << r.closed << ", timed_out=" << r.timed_out << ")";
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.header("Content-Type").find("application/json"), std::string::npos) << r.headers;
    auto body = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << "not JSON: " << r.body;
    EXPECT_EQ(body.value("error", ""), code) << r.body;
    EXPECT_FALSE(body.value("detail", "").empty()) << r.body;
  }

  // Refused by the HTTP layer: a JSON error with "Connection: close", then the
  // server closes the connection (the client never does), all before `deadline`.
  static void expect_refused_and_closed(raw_connection& c, steady::time_point deadline, int status,
                                        const std::string& code) {
    auto left = [&] {
      return std::max(1ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()));
    };
    auto r = c.read(left());
    expect_json_error(r, status, code);
    EXPECT_EQ(r.connection(), "close") << r.headers;
    if (r.closed)
      return;
    auto after = c.read(left());
    EXPECT_TRUE(after.closed && !after.answered)
        << "the server did not close the connection in time (timed_out=" << after.timed_out << ")";
  }

  // Not HTTP: the server may answer a 4xx or close, but must not hang or 2xx.
  static void expect_refused(const raw_reply& r, const std::string& what) {
    EXPECT_FALSE(r.timed_out) << what << ": the server neither answered nor closed within the deadline";
    if (r.answered) {
      EXPECT_GE(r.status, 400) << what;
      EXPECT_LT(r.status, 500) << what;
    } else {
      EXPECT_TRUE(r.closed) << what;
    }
  }

  redis_server redis;
  // A small body limit keeps the oversized cases small and quick.
  eventbed_process proc{redis.endpoint(), {"--max-body-bytes", "65536"}};
  long long expected_stored = 0;
};

TEST_F(RawHttpTest, GarbageRequestLinesAreRefusedOrClosedAndDoNotLinger) {
  const std::string garbage[] = {
      "GARBAGE\r\n\r\n",
      std::string("\x00\x01\x02\x03\xff\xfe\r\n\r\n", 10),
      "GET\r\n\r\n",
      "GET /ingest HTTP/9.9\r\n\r\n",
      "POST /ingest HTTP/1.1 extra words\r\n\r\n",
      "\r\n\r\n\r\n\r\n",
      "GET " + std::string(100000, 'a') + " HTTP/1.1\r\n\r\n",  // request line far over any limit
      "POST /ingest HTTP/1.1\r\nNoColonHeader\r\n\r\n",
  };
  // All at once, and the clients keep their connections open: the server must
  // end each one by itself with a JSON 400 and a close, as soon as the bytes
  // show they are not a request, not when Pistache's 10 s header timeout
  // expires (it would then answer 408).
  std::vector<std::unique_ptr<raw_connection>> conns;
  for (const auto& bytes : garbage) {
    conns.push_back(std::make_unique<raw_connection>(proc.port()));
    ASSERT_TRUE(conns.back()->connected());
    conns.back()->send(bytes);
  }
  const auto sent = steady::now();
  // Meanwhile everyone else is served.
  http_client client(2000);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(client.get(proc.url("/events/other-client")).status, 404) << i;
  for (size_t i = 0; i < conns.size(); ++i) {
    SCOPED_TRACE("garbage #" + std::to_string(i));
    expect_refused_and_closed(*conns[i], sent + 2s, 400, "bad_request");
    ASSERT_TRUE(proc.running()) << "died on garbage\n" << proc.log();
  }
}

TEST_F(RawHttpTest, NotHttpIsAnswered400AndClosedWithinTwoSeconds) {
  const std::string not_http[] = {
      // The start of a TLS 1.2 ClientHello: a client speaking HTTPS to the plain port.
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x5a\x1f\x00\x20", 15),
      "HELLO WORLD\r\n\r\n",
      std::string("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 16),
      "get / HTTP/1.1\r\n\r\n",
      // No CRLF ever comes: refused at the length limit, not at a timeout.
      "GET /" + std::string(40000, 'a'),
  };
  for (const auto& bytes : not_http) {
    SCOPED_TRACE(json(bytes.substr(0, 20)).dump(-1, ' ', true, json::error_handler_t::replace));
    raw_connection c(proc.port());
    ASSERT_TRUE(c.connected());
    const auto sent = steady::now();
    c.send(bytes);  // and keep the connection open
    expect_refused_and_closed(c, sent + 2s, 400, "bad_request");
  }
}

// Pistache 0.0.5 on its own turns a Content-Length that is negative or does
// not fit (std::stoull throws, or the string it sizes by it cannot exist) into
// "500 Internal Server Error" with the exception text as the body. The HTTP
// layer checks Content-Length first: not a number of bytes is a 400, a number
// over the request limit a 413, both before any body is read, and the
// connection is closed.
TEST_F(RawHttpTest, ContentLengthOutOfRangeIs4xx) {
  struct length_case {
    const char* length;
    int status;
    const char* error;
  };
  for (const auto& c : {length_case{"-5", 400, "invalid_content_length"},
                        length_case{"99999999999999999999", 400, "invalid_content_length"},
                        length_case{"18446744073709551615", 413, "body_too_large"},
                        length_case{"200000", 413, "body_too_large"}}) {
    SCOPED_TRACE(std::string("Content-Length: ") + c.length);
    raw_connection conn(proc.port());
    ASSERT_TRUE(conn.connected());
    conn.send(std::string("POST /ingest HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ") +
              c.length + "\r\n\r\n{}");
    expect_refused_and_closed(conn, steady::now() + 5s, c.status, c.error);
  }
}

TEST_F(RawHttpTest, NegativeAndNonNumericContentLengthIs400JsonAndTheProcessServesOn) {
  for (const char* length : {"-1", "abc", "", "12abc", "1 2", "+2", "0x2"}) {
    SCOPED_TRACE(std::string("Content-Length: '") + length + "'");
    raw_connection conn(proc.port());
    ASSERT_TRUE(conn.connected());
    conn.send(std::string("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          "Content-Length: ") +
              length + "\r\n\r\n{\"type\":\"t\"}");
    expect_refused_and_closed(conn, steady::now() + 5s, 400, "invalid_content_length");
    ASSERT_TRUE(proc.running()) << proc.log();
  }
  // A normal request afterwards is accepted.
  auto ok = exchange(post_request(R"({"id":"after-bad-length","type":"t"})"));
  ASSERT_TRUE(ok.answered) << "closed=" << ok.closed << " timed_out=" << ok.timed_out;
  EXPECT_EQ(ok.status, 202) << ok.body;
  expected_stored = 1;
  http_client poll_client;
  EXPECT_FALSE(wait_for_status(poll_client, proc, "after-bad-length", "processed").is_null());
}

TEST_F(RawHttpTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  // Each request is sent after the answer to the one before, on one
  // connection, with no Connection header (HTTP/1.1 is persistent by
  // default): the HTTP layer must find where each request ends (body
  // included) and check the next one from its first byte.
  raw_connection c(proc.port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const std::string body = R"({"id":"keep-alive-)" + std::to_string(i) + R"(","type":"t","data":"GET / HTTP/1.1"})";
    ASSERT_TRUE(c.send("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = c.read(5s);
    ASSERT_TRUE(r.answered) << "closed=" << r.closed << " timed_out=" << r.timed_out;
    EXPECT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(c.send("GET /no-such-route HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto not_found = c.read(5s);
    expect_json_error(not_found, 404, "not_found");
    EXPECT_EQ(not_found.connection(), "") << "an error in step must not close the connection";
  }
  // A bad request later on the same connection is still refused, and closes it.
  ASSERT_TRUE(c.send("POST /ingest HTTP/1.1\r\nContent-Length: -1\r\n\r\n"));
  expect_refused_and_closed(c, steady::now() + 5s, 400, "invalid_content_length");
  expected_stored = 3;
}

// Pistache 0.0.5's chunk parser, run on every read as its own onInput does,
// spins forever when a chunk's data and its CRLF arrive in different reads:
// the thread serving the port then serves no one (with --http-threads 1, no
// client at all) and burns a core. The HTTP layer parses a chunked body only
// once it has seen all of it, so such a request is served, and the bytes after
// it are the next request.
TEST_F(RawHttpTest, ChunkedBodySplitAnywhereIsServedAndTheConnectionStaysInStep) {
  const std::string body = R"({"id":"chunked-split","type":"t"})";
  const std::string head =
      "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  const std::vector<std::string> pieces = {head + size + body.substr(0, 5), body.substr(5) + "\r",
                                           "\n0\r\n", "\r\n"};
  raw_connection c(proc.port());
  ASSERT_TRUE(c.connected());
  for (const auto& p : pieces) {
    ASSERT_TRUE(c.send(p));
    std::this_thread::sleep_for(50ms);  // separate reads on the server
  }
  auto r = c.read(5s);
  ASSERT_TRUE(r.answered) << "closed=" << r.closed << " timed_out=" << r.timed_out;
  EXPECT_EQ(r.status, 202) << r.body;
  // Others are still served, and so is the next request on this connection.
  http_client other(2000);
  EXPECT_EQ(other.get(proc.url("/events/other-client")).status, 404);
  ASSERT_TRUE(c.send(get_request("/no-such-route")));
  expect_json_error(c.read(5s), 404, "not_found");
  expected_stored = 1;
  EXPECT_FALSE(wait_for_status(other, proc, "chunked-split", "processed").is_null());
}

TEST_F(RawHttpTest, ClientSendingOneByteAtATimeIsServedAndDoesNotBlockOthers) {
  const std::string request =
      post_request(R"({"id":"slow-client-1","type":"slow.client","data":{"bytes":"one at a time"}})");
  std::atomic<bool> done{false};
  raw_reply slow_reply;
  std::thread slow([&] {
    raw_connection c(proc.port());
    // 8 ms per byte: ~1.3 s for the whole request, far slower than any real client.
    for (char ch : request) {
      if (!c.send(std::string(1, ch))) break;
      std::this_thread::sleep_for(8ms);
    }
    slow_reply = c.read(5s);
    done = true;
  });
  // Meanwhile other clients are served promptly: the slow one holds no thread.
  http_client client(2000);
  int served = 0;
  auto slowest = steady::duration::zero();
  for (int i = 0; i < 200 && !done; ++i) {  // bounded: 200 requests at most
    auto t0 = steady::now();
    auto res = client.get(proc.url("/events/other-client"));
    slowest = std::max(slowest, steady::now() - t0);
    EXPECT_EQ(res.status, 404) << res.error;
    ++served;
    std::this_thread::sleep_for(10ms);
  }
  slow.join();
  EXPECT_GT(served, 10) << "other clients were not served while the slow one was sending";
  EXPECT_LT(std::chrono::duration<double>(slowest).count(), 0.5) << "another client waited behind the slow one";
  ASSERT_TRUE(slow_reply.answered) << "closed=" << slow_reply.closed << " timed_out=" << slow_reply.timed_out;
  EXPECT_EQ(slow_reply.status, 202) << slow_reply.body;
  expected_stored = 1;  // a slow but valid request is a valid request
  http_client poll_client;
  EXPECT_FALSE(wait_for_status(poll_client, proc, "slow-client-1", "processed").is_null());
}

TEST_F(RawHttpTest, OneByteAtATimeRequestsAreCheckedAsTheyArrive) {
  raw_connection c(proc.port());
  ASSERT_TRUE(c.connected());
  auto send_slowly = [&](const std::string& bytes) {
    for (char ch : bytes) {  // bounded by the string
      if (!c.send(std::string(1, ch)))
        return false;
      std::this_thread::sleep_for(2ms);  // pacing a slow client, not waiting for the server
    }
    return true;
  };
  // A valid request in single bytes, then another on the same connection.
  ASSERT_TRUE(send_slowly(get_request("/no-such-route")));
  expect_json_error(c.read(5s), 404, "not_found");
  // Refused at the '-' that makes its Content-Length invalid: the line's end never comes.
  ASSERT_TRUE(send_slowly("POST /ingest HTTP/1.1\r\nContent-Length: -"));
  expect_refused_and_closed(c, steady::now() + 2s, 400, "invalid_content_length");

  // A single byte that cannot start a request is enough.
  raw_connection tls(proc.port());
  ASSERT_TRUE(tls.connected());
  ASSERT_TRUE(tls.send("\x16"));
  expect_refused_and_closed(tls, steady::now() + 2s, 400, "bad_request");
}

TEST_F(RawHttpTest, StalledHeadersDoNotBlockOthersAndNothingIsStored) {
  // Half a request, then silence: the connection may wait for the rest, but
  // it must not hold up anyone else, and closing it stores nothing.
  raw_connection stalled(proc.port());
  ASSERT_TRUE(stalled.connected());
  stalled.send("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl");
  http_client client(2000);
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(client.get(proc.url("/events/other-client")).status, 404) << i;
  auto r = stalled.read(300ms);
  EXPECT_FALSE(r.answered && r.status < 400) << "a half request was answered " << r.status;
}

TEST_F(RawHttpTest, TruncatedBodyIsNeverAccepted) {
  const std::string body = R"({"id":"truncated-1","type":"t","data":"the rest never comes"})";
  // Content-Length promises more than is sent, then the client stops writing.
  raw_connection c(proc.port());
  ASSERT_TRUE(c.connected());
  c.send("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size() + 100) + "\r\n\r\n" + body);
  // While that body is outstanding, the server serves others.
  http_client client(2000);
  EXPECT_EQ(client.get(proc.url("/events/truncated-1")).status, 404);
  c.shutdown_write();
  auto r = c.read(5s);
  EXPECT_FALSE(r.answered && r.status == 202) << "a truncated body was accepted";
  if (r.answered) {
    EXPECT_GE(r.status, 400);
    EXPECT_LT(r.status, 500);
  }
  // The cut body must not have been parsed as a (shorter) valid event.
  redis_connection conn(parse_redis_endpoint(redis.endpoint()));
  EXPECT_EQ(conn.command({"EXISTS", "eventbed:dedupe:truncated-1"}).integer, 0);
}

TEST_F(RawHttpTest, HeaderFloodIsRefused) {
  // 20,000 headers, ~560 KiB: far over the request limit (64 KiB body limit + 64 KiB).
  std::string flood = "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  for (int i = 0; i < 20000; ++i)
    flood += "X-Flood-" + std::to_string(i) + ": aaaaaaaaaaaaaaa\r\n";
  flood += "Content-Length: 12\r\n\r\n{\"type\":\"t\"}";
  raw_connection c(proc.port());
  ASSERT_TRUE(c.connected());
  c.send(flood);  // may fail midway once the server has closed: that is a refusal too
  c.shutdown_write();
  expect_refused(c.read(5s), "header flood");

  // One enormous header line.
  raw_connection c2(proc.port());
  ASSERT_TRUE(c2.connected());
  c2.send("GET /events/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(300000, 'b') + "\r\n\r\n");
  c2.shutdown_write();
  expect_refused(c2.read(5s), "one huge header");
}

TEST_F(RawHttpTest, TraversalAndInjectionInIdsAreInvalidId) {
  const std::string targets[] = {
      "/events/..%2f..%2fetc%2fpasswd",
      "/events/../../etc/passwd",
      "/events/..",
      "/events/.",
      "/events/<script>alert(1)</script>",
      "/events/%3Cscript%3E",
      "/events/a%00b",
      "/events/id'%20OR%20'1'='1",
      "/events/id;DROP%20TABLE%20events",
      "/events/a/b",
      "/events/eventbed:dedupe:*",  // '*' is not an id character, so never a key pattern
      "/events/" + std::string(129, 'a'),
      "/events/" + std::string(20000, 'a'),
      "/events/",
  };
  for (const auto& target : targets) {
    auto r = exchange(get_request(target));
    SCOPED_TRACE(target.substr(0, 60));
    expect_json_error(r, 400, "invalid_id");
    EXPECT_EQ(r.body.find("<script>"), std::string::npos) << "client bytes echoed unescaped: " << r.body;
  }
  // The longest valid id is a normal lookup: unknown, not invalid.
  expect_json_error(exchange(get_request("/events/" + std::string(128, 'a'))), 404, "not_found");
  // Ids made only of allowed characters that look like Redis keys are still just ids.
  expect_json_error(exchange(get_request("/events/eventbed:events")), 404, "not_found");
}

TEST_F(RawHttpTest, InvalidUtf8BodyIsInvalidJson) {
  const std::string bodies[] = {
      std::string("{\"type\":\"t\",\"data\":\"\xc3\x28\"}"),          // bad continuation byte
      std::string("{\"type\":\"t\",\"data\":\"\xff\xfe\"}"),          // never valid in UTF-8
      std::string("{\"type\":\"t\",\"data\":\"\xed\xa0\x80\"}"),      // encoded surrogate
      std::string("{\"type\":\"t\",\"data\":\"\xc0\xaf\"}"),          // overlong '/'
      std::string("{\"type\":\"t\",\"da\xe2\x82\":1}"),               // truncated sequence in a key
  };
  for (const auto& body : bodies)
    expect_json_error(exchange(post_request(body)), 400, "invalid_json");
}

TEST_F(RawHttpTest, DeepNestingIsRejected) {
  expect_json_error(exchange(post_request(std::string(10000, '['))), 400, "nesting_too_deep");
  expect_json_error(exchange(post_request(R"({"type":"t","data":)" + std::string(10000, '[') +
                                          std::string(10000, ']') + "}")),
                    400, "nesting_too_deep");
  expect_json_error(exchange(post_request(R"({"type":"t","data":)" + std::string(10000, '{'))), 400,
                    "invalid_json");  // `{{` is a syntax error before it is deep
}

TEST_F(RawHttpTest, HugeStringIsRefusedBySize) {
  // Over --max-body-bytes (64 KiB) but within the request limit: eventbed's own JSON 413.
  expect_json_error(exchange(post_request(R"({"type":"t","data":")" + std::string(100000, 'x') + "\"}")), 413,
                    "body_too_large");
  // Far over the request limit: the HTTP layer answers a JSON 413 from the
  // Content-Length alone and closes; the client may see the close first.
  raw_connection c(proc.port());
  ASSERT_TRUE(c.connected());
  c.send(post_request(R"({"type":"t","data":")" + std::string(4 << 20, 'x') + "\"}"));
  c.shutdown_write();
  auto r = c.read(10s);
  expect_refused(r, "4 MiB body");
  if (r.answered) {
    expect_json_error(r, 413, "body_too_large");
  }
}

TEST_F(RawHttpTest, NumbersOutOfRangeAreInvalidJson) {
  for (const char* number : {"1e400", "-1e400", "1" "000000000000000000000000000000000000e999"})
    expect_json_error(exchange(post_request(std::string(R"({"type":"t","data":)") + number + "}")), 400,
                      "invalid_json");
}

TEST_F(RawHttpTest, DuplicateKeysAreRejected) {
  expect_json_error(exchange(post_request(R"({"type":"a","type":"b"})")), 400, "duplicate_key");
  expect_json_error(exchange(post_request(R"({"type":"a","data":{"k":1,"k":2}})")), 400, "duplicate_key");
  expect_json_error(exchange(post_request(R"([{"type":"a"},{"type":"b","id":"x","id":"y"}])")), 400,
                    "duplicate_key");
}

}  // namespace
