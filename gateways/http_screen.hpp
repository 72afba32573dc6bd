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
//   Connection    a comma-separated list; the tokens "close" and "keep-alive" are
//                 looked for, case-insensitively
//   Transfer-Encoding  exactly "chunked" (anything else is a 501: the HTTP
//                 library knows no other coding), at most once
//   chunked body  1-16 hex digits, CRLF, that many bytes, CRLF, ...; "0" CRLF,
//                 trailer lines, CRLF. Chunk extensions are refused (the HTTP
//                 library cannot parse them).
//
// It then skips the body by its Content-Length, or follows its chunks, so it
// knows exactly where each request ends, and checks the next one on a
// persistent connection from its first byte. It also says whether the
// connection may carry another request after this one (keep_alive()).
//
// Only the request line and the header names are read byte by byte, plus the
// values of Content-Length, Connection and Transfer-Encoding; other header
// values are skipped to their CR, and body and chunk data in one step.
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
    int status = 0;         // not 0: the request is refused with this status (400, 413 or 501)
    // The JSON error code: bad_request, invalid_content_length, body_too_large,
    // request_too_large (a chunk over the limit), not_implemented (another coding).
    const char* error = "";
    std::string detail;

    bool refused() const { return status != 0; }
  };

  // Reads the next bytes of the connection. Stops at the end of the current
  // request (complete), at the first byte that refuses it, or at the end of a
  // head that a body follows (so that each call's bytes are all head or all
  // body); otherwise consumes everything. After a refusal the screen stays
  // refused.
  result scan(const char* data, size_t len);

  // Between requests: no byte of the next one has been seen yet.
  bool at_request_start() const { return state_ == state::method && count_ == 0; }

  // Of the request whose header block ended last: whether the connection may
  // carry another request after it (RFC 9112, section 9.3). HTTP/1.1: yes,
  // unless its Connection header lists "close"; HTTP/1.0: only if it lists
  // "keep-alive" (and not "close").
  bool keep_alive() const { return keep_alive_; }
  bool http10() const { return request_http10_; }

  // Between the end of a request's head and the end of its Content-Length
  // body: what scan() consumes now is body, and body_left() bytes of it remain.
  bool in_length_body() const { return state_ == state::body; }
  uint64_t body_left() const { return body_left_; }

  // Between the end of a chunked request's head and the end of its body.
  bool in_chunked_body() const { return state_ >= state::chunk_size && state_ <= state::trailers_end_lf; }

 private:
  enum class state : uint8_t {
    method,
    target,
    version,
    header_start,
    header_name,
    header_value,    // skipped to its CR
    length_value,    // Content-Length, digit by digit
    token_value,     // Connection or Transfer-Encoding, token by token
    header_lf,
    headers_end_lf,  // the last state of the head
    body,
    chunk_size,      // the first state of a chunked body
    chunk_size_lf,
    chunk_data,
    chunk_data_cr,
    chunk_data_lf,
    trailer_start,
    trailer_line,
    trailer_lf,
    trailers_end_lf,  // the last state of a chunked body
    refused,
  };
  enum class length_part : uint8_t { before, digits, after };
  // The header names whose values the screen reads, as bits.
  enum : uint8_t { name_length = 1, name_encoding = 2, name_connection = 4 };

  result refuse(int status, const char* error, std::string detail);
  // Called at the LF that ends the header block, with the bytes of this call seen so far.
  result end_of_headers(size_t consumed);
  // The request ends with the byte before `consumed`: ready for the next one.
  result end_of_request(size_t consumed);
  // Forgets the current request.
  void restart();
  // A Connection or Transfer-Encoding token ended (at ',' or CR); false if it refuses the request.
  bool end_of_token();

  uint64_t max_request_bytes_;
  size_t max_request_line_;

  state state_ = state::method;
  size_t count_ = 0;          // method or target characters, or position in the version
  uint64_t head_bytes_ = 0;   // request line and headers so far
  size_t name_len_ = 0;       // header name characters so far
  uint8_t candidates_ = 0;    // name_* bits the header name may still be
  uint8_t value_of_ = 0;      // the name_* bit whose value token_value reads
  length_part length_part_ = length_part::before;
  bool has_length_ = false;
  bool has_encoding_ = false;  // Transfer-Encoding: chunked
  bool http10_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  // Of the request whose head ended last; restart() leaves them.
  bool keep_alive_ = true;
  bool request_http10_ = false;
  uint64_t length_ = 0;
  uint64_t body_left_ = 0;    // of the body, or of the current chunk
  // The token being read in a Connection or Transfer-Encoding value.
  char token_[16] = {};
  uint8_t token_len_ = 0;
  bool token_spaced_ = false;  // blanks after its last character
  bool token_bad_ = false;     // too long for any token looked for, or blanks inside
  uint8_t tokens_ = 0;         // tokens so far in a Transfer-Encoding value
};

}  // namespace eventbed
