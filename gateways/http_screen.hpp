// Framing checks on HTTP/1.x requests, ahead of the HTTP library.
//
// Pistache 0.0.5 waits for a space to end the method and for "\r\n" to end a
// line, so bytes that are not HTTP at all (a TLS hello, binary noise, one word)
// hold the connection until its header timeout; and a Content-Length that does
// not parse as a uint64 (negative, too long, not a number) becomes a 500. The
// screen reads the bytes of each request as they arrive, in pieces of any size
// and without copying them, and says as early as it can that they cannot be a
// request eventbed serves:
//
//   request line  METHOD SP target SP HTTP/1.0|HTTP/1.1 CRLF, METHOD 1-16 of A-Z,
//                 target of visible characters, at most max_request_line of them
//   header line   name of token characters, ':', value, CRLF (a CR is always
//                 followed by LF)
//   framing       Content-Length is 1*DIGIT with optional blanks around it, at most
//                 once, fits in 64 bits; not together with Transfer-Encoding; the
//                 request line, headers and body together within max_request_bytes
//
// It then skips the body by its Content-Length, so it knows where each request
// ends and checks the next one on a keep-alive connection from its first byte.
// With Transfer-Encoding it does not parse the body: from the end of the headers
// on it passes every byte until the caller, who learns from the HTTP parser
// that the request is complete, calls restart().
//
// Only the request line and the header names are read byte by byte, plus the
// value of Content-Length; other header values are skipped to their CR, and the
// body in one step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace eventbed {

class http_request_screen {
 public:
  // Not the usual 8 KiB: a target longer than any route serves still reaches
  // the routes, which say exactly what is wrong (400 invalid_id for a
  // 20,000-character id); this only bounds a line that never ends.
  static constexpr size_t default_max_request_line = 32 * 1024;

  // max_request_bytes: the whole request, as the HTTP library limits it.
  explicit http_request_screen(uint64_t max_request_bytes,
                               size_t max_request_line = default_max_request_line)
      : max_request_bytes_(max_request_bytes), max_request_line_(max_request_line) {}

  struct result {
    size_t consumed = 0;    // leading bytes of the input that belong to the current request
    bool complete = false;  // and the current request ends with them
    int status = 0;         // not 0: the request is refused with this status (400 or 413)
    const char* error = "";  // the JSON error code: bad_request, invalid_content_length, body_too_large
    std::string detail;

    bool refused() const { return status != 0; }
  };

  // Reads the next bytes of the connection. Stops at the end of the current
  // request (complete) or at the first byte that refuses it; otherwise
  // consumes everything. After a refusal the screen stays refused.
  result scan(const char* data, size_t len);

  // The HTTP parser finished a request whose end the screen could not see
  // (Transfer-Encoding): the next byte starts a new request.
  void restart();

  // Between requests: no byte of the next one has been seen yet.
  bool at_request_start() const { return state_ == state::method && count_ == 0; }

 private:
  enum class state : uint8_t {
    method,
    target,
    version,
    header_start,
    header_name,
    header_value,
    header_lf,
    headers_end_lf,
    body,
    unframed,  // Transfer-Encoding: everything passes until restart()
    refused,
  };
  enum class length_part : uint8_t { before, digits, after };

  result refuse(int status, const char* error, std::string detail);
  // Called at the LF that ends the header block, with the bytes of this call seen so far.
  result end_of_headers(size_t consumed);

  uint64_t max_request_bytes_;
  size_t max_request_line_;

  state state_ = state::method;
  size_t count_ = 0;          // method or target characters, or position in the version
  uint64_t head_bytes_ = 0;   // request line and headers so far
  size_t name_len_ = 0;       // header name characters so far
  bool may_be_length_ = false;
  bool may_be_encoding_ = false;
  bool in_length_ = false;    // reading the value of Content-Length
  length_part length_part_ = length_part::before;
  bool has_length_ = false;
  bool has_encoding_ = false;
  uint64_t length_ = 0;
  uint64_t body_left_ = 0;
};

}  // namespace eventbed
