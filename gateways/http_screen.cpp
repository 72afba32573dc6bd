#include "gateways/http_screen.hpp"

#include <limits>
#include <string_view>

namespace eventbed {

namespace {

constexpr size_t max_method = 16;
constexpr char version_prefix[] = "HTTP/1.";  // then '0' or '1', CR, LF
constexpr size_t version_prefix_len = sizeof version_prefix - 1;
constexpr size_t max_chunk_size_digits = 16;  // 64 bits of hex

// The header names whose values the screen reads, by their name_* bit.
struct special_name {
  uint8_t bit;
  const char* name;  // lowercase
  size_t len;
};
constexpr special_name special_names[] = {
    {1, "content-length", sizeof "content-length" - 1},
    {2, "transfer-encoding", sizeof "transfer-encoding" - 1},
    {4, "connection", sizeof "connection" - 1},
};

// RFC 9110 tchar: the characters of a header name.
bool is_token(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

}  // namespace

http_request_screen::result http_request_screen::refuse(int status, const char* error,
                                                        std::string detail) {
  state_ = state::refused;
  result r;
  r.status = status;
  r.error = error;
  r.detail = std::move(detail);
  return r;
}

void http_request_screen::restart() {
  state_ = state::method;
  count_ = 0;
  head_bytes_ = 0;
  has_length_ = false;
  has_encoding_ = false;
  http10_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
  length_ = 0;
  body_left_ = 0;
}

http_request_screen::result http_request_screen::end_of_request(size_t consumed) {
  // keep_alive_ belongs to the request that just ended: restart() leaves it.
  restart();
  result r;
  r.consumed = consumed;
  r.complete = true;
  return r;
}

bool http_request_screen::end_of_token() {
  std::string_view token(token_, token_len_);
  bool empty = token_len_ == 0 && !token_bad_;
  token_len_ = 0;
  token_spaced_ = false;
  bool bad = token_bad_;
  token_bad_ = false;
  if (value_of_ == name_connection) {
    if (!bad && token == "close")
      connection_close_ = true;
    else if (!bad && token == "keep-alive")
      connection_keep_alive_ = true;
    return true;  // other tokens (Upgrade, TE, header names) change nothing here
  }
  if (empty)
    return true;  // "chunked, " is still one coding; the CR checks that there was one
  ++tokens_;
  return !bad && tokens_ == 1 && token == "chunked";
}

http_request_screen::result http_request_screen::end_of_headers(size_t consumed) {
  head_bytes_ += consumed;
  if (has_length_ && has_encoding_)
    return refuse(400, "bad_request", "both Content-Length and Transfer-Encoding");
  if (has_length_ && (length_ > max_request_bytes_ ||
                      head_bytes_ > max_request_bytes_ - length_))
    return refuse(413, "body_too_large",
                  "Content-Length " + std::to_string(length_) + " is over the request limit of " +
                      std::to_string(max_request_bytes_) + " bytes");
  keep_alive_ = !connection_close_ && (!http10_ || connection_keep_alive_);
  request_http10_ = http10_;
  if (has_encoding_) {
    state_ = state::chunk_size;
    count_ = 0;
    body_left_ = 0;
  } else if (length_ > 0) {
    state_ = state::body;
    body_left_ = length_;
  } else {
    return end_of_request(consumed);
  }
  result r;
  r.consumed = consumed;
  return r;  // the body starts with the next call (scan())
}

http_request_screen::result http_request_screen::scan(const char* data, size_t len) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  const bool started_in_head = state_ < state::body;
  size_t i = 0;
  while (i < len) {
    switch (state_) {
      case state::refused:
        return refuse(400, "bad_request", "the connection is closing");

      case state::body:
      case state::chunk_data: {
        size_t n = len - i;
        if (body_left_ < n)
          n = static_cast<size_t>(body_left_);
        i += n;
        body_left_ -= n;
        if (body_left_ == 0) {
          if (state_ == state::body)
            return end_of_request(i);
          state_ = state::chunk_data_cr;
        }
        break;
      }

      case state::method: {
        unsigned char c = bytes[i++];
        if (c >= 'A' && c <= 'Z') {
          if (++count_ > max_method)
            return refuse(400, "bad_request", "not an HTTP request: the method is too long");
        } else if (c == ' ' && count_ > 0) {
          state_ = state::target;
          count_ = 0;
        } else {
          return refuse(400, "bad_request",
                        "not an HTTP request: it must start with a method of A-Z and a space");
        }
        break;
      }

      case state::target: {
        unsigned char c = bytes[i++];
        if (c == ' ') {
          if (count_ == 0)
            return refuse(400, "bad_request", "malformed request line: empty target");
          state_ = state::version;
          count_ = 0;
        } else if (c < 0x21 || c == 0x7f) {
          return refuse(400, "bad_request", "malformed request line");
        } else if (++count_ > max_request_line_) {
          return refuse(400, "bad_request",
                        "request target longer than " + std::to_string(max_request_line_) + " bytes");
        }
        break;
      }

      case state::version: {
        unsigned char c = bytes[i++];
        bool ok = count_ < version_prefix_len ? c == static_cast<unsigned char>(version_prefix[count_])
                  : count_ == version_prefix_len ? (c == '0' || c == '1')
                  : count_ == version_prefix_len + 1 ? c == '\r'
                                                     : c == '\n';
        if (!ok)
          return refuse(400, "bad_request",
                        count_ <= version_prefix_len
                            ? "malformed request line: the version must be HTTP/1.0 or HTTP/1.1"
                            : "malformed request line: it must end after the version with CRLF");
        if (count_ == version_prefix_len)
          http10_ = c == '0';
        if (++count_ == version_prefix_len + 3) {
          state_ = state::header_start;
        }
        break;
      }

      case state::header_start: {
        if (bytes[i] == '\r') {
          ++i;
          state_ = state::headers_end_lf;
          break;
        }
        state_ = state::header_name;
        name_len_ = 0;
        candidates_ = name_length | name_encoding | name_connection;
        break;  // the byte is read as part of the name
      }

      case state::header_name: {
        unsigned char c = bytes[i++];
        if (c == ':') {
          if (name_len_ == 0)
            return refuse(400, "bad_request", "malformed header line: empty name");
          uint8_t named = 0;
          for (const auto& n : special_names)
            if ((candidates_ & n.bit) && name_len_ == n.len)
              named = n.bit;
          state_ = state::header_value;
          if (named == name_length) {
            if (has_length_)
              return refuse(400, "invalid_content_length", "more than one Content-Length header");
            has_length_ = true;
            length_ = 0;
            length_part_ = length_part::before;
            state_ = state::length_value;
          } else if (named == name_encoding) {
            if (has_encoding_)
              return refuse(501, "not_implemented", "more than one Transfer-Encoding header");
            has_encoding_ = true;
            tokens_ = 0;
            value_of_ = named;
            state_ = state::token_value;
          } else if (named == name_connection) {
            value_of_ = named;
            state_ = state::token_value;
          }
          token_len_ = 0;
          token_spaced_ = false;
          token_bad_ = false;
        } else if (is_token(c)) {
          c = lower(c);
          for (const auto& n : special_names)
            if ((candidates_ & n.bit) &&
                (name_len_ >= n.len || c != static_cast<unsigned char>(n.name[name_len_])))
              candidates_ &= static_cast<uint8_t>(~n.bit);
          ++name_len_;
        } else {
          return refuse(400, "bad_request",
                        "malformed header line: a header needs a name of token characters and ':'");
        }
        break;
      }

      case state::header_value: {
        while (i < len && bytes[i] != '\r')
          ++i;
        if (i < len) {
          ++i;
          state_ = state::header_lf;
        }
        break;
      }

      case state::length_value: {
        unsigned char c = bytes[i++];
        if (c >= '0' && c <= '9') {
          if (length_part_ == length_part::after)
            return refuse(400, "invalid_content_length",
                          "Content-Length must be a decimal number of bytes");
          length_part_ = length_part::digits;
          uint64_t digit = c - '0';
          if (length_ > (std::numeric_limits<uint64_t>::max() - digit) / 10)
            return refuse(400, "invalid_content_length", "Content-Length is out of range");
          length_ = length_ * 10 + digit;
        } else if (c == ' ' || c == '\t') {
          if (length_part_ == length_part::digits)
            length_part_ = length_part::after;
        } else if (c == '\r') {
          if (length_part_ == length_part::before)
            return refuse(400, "invalid_content_length", "Content-Length is empty");
          state_ = state::header_lf;
        } else {
          return refuse(400, "invalid_content_length",
                        "Content-Length must be a decimal number of bytes");
        }
        break;
      }

      case state::token_value: {
        unsigned char c = bytes[i++];
        if (c == ',' || c == '\r') {
          bool ok = end_of_token();
          if (ok && c == '\r' && value_of_ == name_encoding && tokens_ == 0)
            ok = false;  // no coding at all
          if (!ok)
            return refuse(501, "not_implemented",
                          "the only Transfer-Encoding supported is chunked, alone");
          if (c == '\r')
            state_ = state::header_lf;
        } else if (c == ' ' || c == '\t') {
          token_spaced_ = token_len_ > 0 || token_bad_;
        } else if (token_spaced_ || token_len_ == sizeof token_) {
          token_bad_ = true;  // "keep alive", or longer than any token looked for
        } else {
          token_[token_len_++] = static_cast<char>(lower(c));
        }
        break;
      }

      case state::header_lf:
        if (bytes[i++] != '\n')
          return refuse(400, "bad_request", "malformed header line: CR without LF");
        state_ = state::header_start;
        break;

      case state::headers_end_lf:
        if (bytes[i++] != '\n')
          return refuse(400, "bad_request", "malformed header block: CR without LF");
        // A call that reaches the head's end started in it: the head's bytes here are i.
        return end_of_headers(i);

      case state::chunk_size: {
        unsigned char c = bytes[i++];
        int digit = hex_value(c);
        if (digit >= 0) {
          if (++count_ > max_chunk_size_digits)
            return refuse(400, "bad_request", "malformed chunked body: chunk size too long");
          body_left_ = body_left_ * 16 + static_cast<uint64_t>(digit);
          if (body_left_ > max_request_bytes_)
            return refuse(413, "request_too_large",
                          "a chunk is over the request limit of " +
                              std::to_string(max_request_bytes_) + " bytes");
        } else if (c == '\r' && count_ > 0) {
          state_ = state::chunk_size_lf;
        } else if (c == ';' && count_ > 0) {
          return refuse(400, "bad_request", "chunk extensions are not supported");
        } else {
          return refuse(400, "bad_request",
                        "malformed chunked body: a chunk must start with its size in hex and CRLF");
        }
        break;
      }

      case state::chunk_size_lf:
        if (bytes[i++] != '\n')
          return refuse(400, "bad_request", "malformed chunked body: CR without LF");
        state_ = body_left_ > 0 ? state::chunk_data : state::trailer_start;
        break;

      case state::chunk_data_cr:
        if (bytes[i++] != '\r')
          return refuse(400, "bad_request", "malformed chunked body: a chunk must end with CRLF");
        state_ = state::chunk_data_lf;
        break;

      case state::chunk_data_lf:
        if (bytes[i++] != '\n')
          return refuse(400, "bad_request", "malformed chunked body: CR without LF");
        state_ = state::chunk_size;
        count_ = 0;
        break;

      case state::trailer_start:
        if (bytes[i] == '\r') {
          ++i;
          state_ = state::trailers_end_lf;
        } else {
          state_ = state::trailer_line;
        }
        break;

      case state::trailer_line:
        while (i < len && bytes[i] != '\r')
          ++i;
        if (i < len) {
          ++i;
          state_ = state::trailer_lf;
        }
        break;

      case state::trailer_lf:
        if (bytes[i++] != '\n')
          return refuse(400, "bad_request", "malformed trailer line: CR without LF");
        state_ = state::trailer_start;
        break;

      case state::trailers_end_lf:
        if (bytes[i++] != '\n')
          return refuse(400, "bad_request", "malformed chunked body: CR without LF at its end");
        return end_of_request(i);
    }
  }
  // Still in the head: count its bytes (a call that left the head counted them there).
  if (started_in_head && state_ < state::body)
    head_bytes_ += len;
  result r;
  r.consumed = len;
  return r;
}

}  // namespace eventbed
