// The request screen on its own: where requests end, and which bytes it
// refuses how early, whatever pieces the bytes arrive in.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateways/http_screen.hpp"

using namespace eventbed;

namespace {

constexpr uint64_t limit = 64 * 1024;

struct outcome {
  std::vector<size_t> request_ends;  // offsets in the input where a request ended
  bool refused = false;
  size_t refused_at = 0;  // bytes given to the screen up to and including the refused one
  int status = 0;
  std::string error;
};

// Feeds `bytes` in pieces of `piece` bytes (the last may be shorter), as a
// connection would, and records what the screen said.
outcome screen_all(const std::string& bytes, size_t piece, uint64_t max = limit) {
  http_request_screen screen(max);
  outcome out;
  size_t offset = 0;
  while (offset < bytes.size()) {
    size_t len = std::min(piece, bytes.size() - offset);
    while (len > 0) {  // bounded: every round consumes at least one byte or returns
      auto r = screen.scan(bytes.data() + offset, len);
      if (r.refused()) {
        out.refused = true;
        out.refused_at = offset + len;
        out.status = r.status;
        out.error = r.error;
        EXPECT_FALSE(r.detail.empty());
        return out;
      }
      EXPECT_GT(r.consumed, 0u);
      EXPECT_LE(r.consumed, len);
      offset += r.consumed;
      len -= r.consumed;
      if (r.complete) {
        out.request_ends.push_back(offset);
        EXPECT_TRUE(screen.at_request_start());
      }
    }
  }
  return out;
}

std::string post(const std::string& body, const std::string& length_header = "") {
  return "POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         (length_header.empty() ? "Content-Length: " + std::to_string(body.size()) : length_header) +
         "\r\n\r\n" + body;
}

const size_t pieces[] = {1, 2, 7, 4096};

TEST(HttpScreenTest, RequestsEndWhereTheirBodyEndsInAnyPieces) {
  const std::string get = "GET /events/a?x=1 HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string p1 = post(R"({"type":"t"})");
  const std::string p2 = post("", "Content-Length: 0");
  const std::string p3 = post("abc", "content-LENGTH:\t 3 \t");
  const std::string all = get + p1 + p2 + p3 + "DELETE / HTTP/1.0\r\n\r\n";
  for (size_t piece : pieces) {
    SCOPED_TRACE(piece);
    auto out = screen_all(all, piece);
    EXPECT_FALSE(out.refused) << out.error;
    std::vector<size_t> ends{get.size(), get.size() + p1.size(), get.size() + p1.size() + p2.size(),
                             get.size() + p1.size() + p2.size() + p3.size(), all.size()};
    EXPECT_EQ(out.request_ends, ends);
  }
}

// The server hands a Content-Length body to the route without the HTTP
// library's parser: the screen must stop where the head ends and say how much
// body follows.
TEST(HttpScreenTest, AContentLengthBodyIsScannedApartFromItsHead) {
  const std::string body = R"({"type":"t"})";
  const std::string request = post(body);
  const size_t head = request.size() - body.size();
  http_request_screen screen(limit);
  auto r = screen.scan(request.data(), request.size());
  EXPECT_EQ(r.consumed, head);
  EXPECT_FALSE(r.complete);
  ASSERT_TRUE(screen.in_length_body());
  EXPECT_EQ(screen.body_left(), body.size());
  r = screen.scan(request.data() + head, 3);
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_TRUE(screen.in_length_body());
  EXPECT_EQ(screen.body_left(), body.size() - 3);
  r = screen.scan(request.data() + head + 3, body.size() - 3);
  EXPECT_EQ(r.consumed, body.size() - 3);
  EXPECT_TRUE(r.complete);
  EXPECT_FALSE(screen.in_length_body());
  EXPECT_TRUE(screen.at_request_start());
}

TEST(HttpScreenTest, BodyBytesAreNotReadAsRequests) {
  // A body that looks like garbage, or like another request, is just a body.
  const std::string body = std::string("\x16\x03\x01\r\n\r\nGET / HTTP/1.1\r\n\r\n", 25);
  auto out = screen_all(post(body) + "GET / HTTP/1.1\r\n\r\n", 3);
  EXPECT_FALSE(out.refused);
  EXPECT_EQ(out.request_ends.size(), 2u);
}

TEST(HttpScreenTest, NotHttpIsRefusedAtTheFirstByteThatShowsIt) {
  struct garbage_case {
    std::string bytes;
    size_t refused_at;  // fed one byte at a time
  };
  const garbage_case cases[] = {
      {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), 1},  // TLS client hello
      {std::string("\x00\x01\x02\xff", 4), 1},
      {"hello / HTTP/1.1\r\n", 1},
      {"\r\n\r\n", 1},
      {" GET / HTTP/1.1\r\n", 1},
      {"GARBAGE\r\n\r\n", 8},
      {"GET\r\n\r\n", 4},
      {"GET  / HTTP/1.1\r\n", 5},
      {"HELLO WORLD\r\n\r\n", 12},
      {"GET / HTTP/9.9\r\n\r\n", 12},
      {"GET / HTTPS/1.1\r\n\r\n", 11},
      {"POST /ingest HTTP/1.1 extra words\r\n\r\n", 22},
      {"GET / HTTP/1.1\n\n", 15},
      {"GET /a\x01 HTTP/1.1\r\n\r\n", 7},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n", 17},
      {"POST /ingest HTTP/1.1\r\nNoColonHeader\r\n\r\n", 37},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 20},
      {"GET / HTTP/1.1\r\n: x\r\n\r\n", 17},
      {"GET / HTTP/1.1\r\nA: x\rB: y\r\n\r\n", 22},
      {"GET / HTTP/1.1\r\n\rX", 18},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.bytes.substr(0, 40));
    auto out = screen_all(c.bytes, 1);
    ASSERT_TRUE(out.refused);
    EXPECT_EQ(out.refused_at, c.refused_at);
    EXPECT_EQ(out.status, 400);
    EXPECT_EQ(out.error, "bad_request");
    for (size_t piece : pieces)
      EXPECT_TRUE(screen_all(c.bytes, piece).refused) << piece;
  }
}

TEST(HttpScreenTest, ALongRequestLineIsRefusedWithoutWaitingForItsEnd) {
  const std::string line = "GET /" + std::string(http_request_screen::default_max_request_line, 'a');
  auto out = screen_all(line, 4096);
  ASSERT_TRUE(out.refused);
  EXPECT_EQ(out.status, 400);
  // Just under the limit is still a request.
  const std::string ok = "GET /" + std::string(http_request_screen::default_max_request_line - 1, 'a') +
                         " HTTP/1.1\r\n\r\n";
  EXPECT_FALSE(screen_all(ok, 4096, 1 << 20).refused);
}

TEST(HttpScreenTest, BadContentLengthIsInvalidContentLength) {
  const std::string lengths[] = {"-1", "-5", "abc", "", "  ", "1 2", "12abc", "+12", "0x10", "1.5",
                                 "99999999999999999999", "184467440737095516150"};
  for (const auto& length : lengths) {
    SCOPED_TRACE("Content-Length: '" + length + "'");
    for (size_t piece : pieces) {
      auto out = screen_all(post("{}", "Content-Length: " + length), piece);
      ASSERT_TRUE(out.refused) << piece;
      EXPECT_EQ(out.status, 400);
      EXPECT_EQ(out.error, "invalid_content_length");
    }
  }
  auto twice = screen_all(post("{}", "Content-Length: 2\r\nContent-Length: 2"), 1);
  ASSERT_TRUE(twice.refused);
  EXPECT_EQ(twice.error, "invalid_content_length");
  auto both = screen_all(post("{}", "Content-Length: 2\r\nTransfer-Encoding: chunked"), 1);
  ASSERT_TRUE(both.refused);
  EXPECT_EQ(both.error, "bad_request");
}

TEST(HttpScreenTest, ContentLengthOverTheRequestLimitIsBodyTooLargeBeforeTheBody) {
  for (const std::string length : {"18446744073709551615", "65537", "65536"}) {
    SCOPED_TRACE(length);
    const std::string head = post("", "Content-Length: " + length);
    auto out = screen_all(head, 1);  // no body sent: refused at the end of the headers
    ASSERT_TRUE(out.refused);
    EXPECT_EQ(out.status, 413);
    EXPECT_EQ(out.error, "body_too_large");
    EXPECT_EQ(out.refused_at, head.size());
  }
  // The limit is on the whole request: the largest body that fits is accepted.
  const std::string head = post("", "Content-Length: 00000");
  const std::string fits = post(std::string(limit - head.size(), 'x'), "Content-Length: " +
                                                                           std::to_string(limit - head.size()));
  EXPECT_FALSE(screen_all(fits, 4096).refused);
  const std::string over = post(std::string(limit - head.size() + 1, 'x'),
                                "Content-Length: " + std::to_string(limit - head.size() + 1));
  EXPECT_EQ(screen_all(over, 4096).status, 413);
}

std::string chunked(const std::string& chunks, const std::string& extra_headers = "",
                    const std::string& name = "Transfer-Encoding") {
  return "POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra_headers +
         name + ": chunked\r\n\r\n" + chunks;
}

TEST(HttpScreenTest, ChunkedRequestsEndAfterTheirLastChunkAndTrailersInAnyPieces) {
  // Chunk data that looks like a request, or like a chunk's end, is just data.
  const std::string c1 = chunked("2\r\n{}\r\n0\r\n\r\n");
  const std::string data = "GET / HTTP/1.1\r\n\r\n0\r\n\r\n\r\nx";  // 26 bytes
  ASSERT_EQ(data.size(), 26u);
  const std::string c2 = chunked("1A\r\n" + data + "\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n",
                                 "Connection: keep-alive\r\n");
  const std::string c3 = chunked("0\r\n\r\n", "", "transfer-encoding");
  const std::string get = "GET / HTTP/1.1\r\n\r\n";
  const std::string all = c1 + c2 + get + c3;
  for (size_t piece : pieces) {
    SCOPED_TRACE(piece);
    auto out = screen_all(all, piece);
    EXPECT_FALSE(out.refused) << out.error;
    std::vector<size_t> ends{c1.size(), c1.size() + c2.size(), c1.size() + c2.size() + get.size(),
                             all.size()};
    EXPECT_EQ(out.request_ends, ends);
  }
  // The screen says when it is inside a chunked body, where the HTTP parser is held back.
  http_request_screen screen(limit);
  const std::string head = chunked("");
  auto r = screen.scan(head.data(), head.size());
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(screen.in_chunked_body());
  const std::string body = "2\r\n{}\r\n0\r\n\r\nGET";
  r = screen.scan(body.data(), body.size());
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.consumed, body.size() - 3);
  EXPECT_FALSE(screen.in_chunked_body());
  EXPECT_TRUE(screen.at_request_start());
}

TEST(HttpScreenTest, MalformedChunkedBodiesAndOtherCodingsAreRefused) {
  struct refused_case {
    std::string bytes;
    int status;
    const char* error;
  };
  const refused_case cases[] = {
      {chunked("2;ext=1\r\n{}\r\n0\r\n\r\n"), 400, "bad_request"},  // Pistache cannot parse extensions
      {chunked("x\r\n"), 400, "bad_request"},
      {chunked("\r\n"), 400, "bad_request"},
      {chunked(" 2\r\n{}\r\n0\r\n\r\n"), 400, "bad_request"},
      {chunked("0x2\r\n{}\r\n0\r\n\r\n"), 400, "bad_request"},
      {chunked("-2\r\n{}\r\n0\r\n\r\n"), 400, "bad_request"},
      {chunked("2\r\n{}XX0\r\n\r\n"), 400, "bad_request"},      // no CRLF after the data
      {chunked("2\n{}\r\n0\r\n\r\n"), 400, "bad_request"},
      {chunked("00000000000000001\r\nx\r\n0\r\n\r\n"), 400, "bad_request"},  // 17 digits
      {chunked("10001\r\n"), 413, "request_too_large"},          // one chunk over the limit
      {chunked("FFFFFFFFFFFFFFFF\r\n"), 413, "request_too_large"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not_implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "not_implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 501, "not_implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: ch\r\n\r\n", 501, "not_implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n", 501, "not_implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", 501, "not_implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 501,
       "not_implemented"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.bytes.substr(c.bytes.find("\r\n") + 2, 80));
    for (size_t piece : pieces) {
      auto out = screen_all(c.bytes, piece);
      ASSERT_TRUE(out.refused) << piece;
      EXPECT_EQ(out.status, c.status) << piece;
      EXPECT_EQ(out.error, c.error) << piece;
    }
  }
  // Blanks around the one coding are fine, in any case.
  EXPECT_FALSE(screen_all("POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \t\r\n\r\n0\r\n\r\n", 1).refused);
}

// Whether the connection may carry another request (RFC 9112, section 9.3).
TEST(HttpScreenTest, KeepAliveFollowsTheVersionAndTheConnectionHeader) {
  struct keep_case {
    std::string version;
    std::string headers;
    bool keep_alive;
  };
  const keep_case cases[] = {
      {"HTTP/1.1", "", true},
      {"HTTP/1.1", "Connection: keep-alive\r\n", true},
      {"HTTP/1.1", "Connection: close\r\n", false},
      {"HTTP/1.1", "connection: CLOSE\r\n", false},
      {"HTTP/1.1", "Connection: Upgrade, close\r\n", false},
      {"HTTP/1.1", "Connection:\tTE ,  close \t\r\n", false},
      {"HTTP/1.1", "Connection: keep-alive\r\nConnection: close\r\n", false},
      {"HTTP/1.1", "Connection: closed\r\n", true},
      {"HTTP/1.1", "Connection: x-close\r\n", true},
      {"HTTP/1.1", "X-Connection: close\r\n", true},
      {"HTTP/1.1", "Connectio: close\r\n", true},
      {"HTTP/1.1", "Connection: clo se\r\n", true},
      {"HTTP/1.1", "Connection: a-very-long-token-that-is-not-close, close\r\n", false},
      {"HTTP/1.1", "Connection: a-very-long-token-that-is-not-close\r\n", true},
      {"HTTP/1.0", "", false},
      {"HTTP/1.0", "Connection: keep-alive\r\n", true},
      {"HTTP/1.0", "Connection: Keep-Alive\r\n", true},
      {"HTTP/1.0", "Connection: keep-alive, close\r\n", false},
      {"HTTP/1.0", "Connection: keep alive\r\n", false},
      {"HTTP/1.0", "Keep-Alive: timeout=5\r\n", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.version + " " + c.headers);
    for (size_t piece : pieces) {
      http_request_screen screen(limit);
      // The case's request, then one that would say otherwise: the answer is the first one's.
      const std::string first = "GET / " + c.version + "\r\nHost: x\r\n" + c.headers + "\r\n";
      size_t offset = 0;
      bool done = false;
      while (offset < first.size()) {
        size_t len = std::min(piece, first.size() - offset);
        auto r = screen.scan(first.data() + offset, len);
        ASSERT_FALSE(r.refused()) << r.detail;
        offset += r.consumed;
        done = r.complete;
      }
      ASSERT_TRUE(done);
      EXPECT_EQ(screen.keep_alive(), c.keep_alive) << piece;
      EXPECT_EQ(screen.http10(), c.version == "HTTP/1.0");
      const std::string next = c.keep_alive ? "GET / HTTP/1.1\r\nConnection: close\r\n\r\n"
                                            : "GET / HTTP/1.1\r\n\r\n";
      auto r = screen.scan(next.data(), 10);  // part of the next head only
      EXPECT_FALSE(r.refused());
      EXPECT_EQ(screen.keep_alive(), c.keep_alive) << "changed before the next head ended";
    }
  }
}

TEST(HttpScreenTest, ARefusedScreenStaysRefused) {
  http_request_screen screen(limit);
  const std::string bad = "bad";
  const std::string good = "GET / HTTP/1.1\r\n\r\n";
  EXPECT_TRUE(screen.scan(bad.data(), bad.size()).refused());
  EXPECT_TRUE(screen.scan(good.data(), good.size()).refused());
}

}  // namespace
