#include "gateways/http_screen.hpp"

#include <limits>

namespace eventbed {

namespace {

constexpr size_t max_method = 16;
constexpr char version_prefix[] = "HTTP/1.";  // then '0' or '1', CR, LF
constexpr size_t version_prefix_len = sizeof version_prefix - 1;
constexpr char content_length[] = "content-length";
constexpr size_t content_length_len = sizeof content_length - 1;
constexpr char transfer_encoding[] = "transfer-encoding";
constexpr size_t transfer_encoding_len = sizeof transfer_encoding - 1;

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
  if (state_ == state::refused)
    return;
  state_ = state::method;
  count_ = 0;
  head_bytes_ = 0;
  has_length_ = false;
  has_encoding_ = false;
  length_ = 0;
  body_left_ = 0;
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
  result r;
  r.consumed = consumed;
  if (has_encoding_) {
    state_ = state::unframed;
  } else if (length_ > 0) {
    state_ = state::body;
    body_left_ = length_;
  } else {
    r.complete = true;
    restart();
  }
  return r;
}

http_request_screen::result http_request_screen::scan(const char* data, size_t len) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  size_t i = 0;
  while (i < len) {
    switch (state_) {
      case state::refused:
        return refuse(400, "bad_request", "the connection is closing");

      case state::unframed: {
        result r;
        r.consumed = len;
        return r;
      }

      case state::body: {
        size_t n = len - i;
        if (body_left_ < n)
          n = static_cast<size_t>(body_left_);
        i += n;
        body_left_ -= n;
        if (body_left_ == 0) {
          result r;
          r.consumed = i;
          r.complete = true;
          restart();
          return r;
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
        may_be_length_ = true;
        may_be_encoding_ = true;
        break;  // the byte is read as part of the name
      }

      case state::header_name: {
        unsigned char c = bytes[i++];
        if (c == ':') {
          if (name_len_ == 0)
            return refuse(400, "bad_request", "malformed header line: empty name");
          in_length_ = may_be_length_ && name_len_ == content_length_len;
          if (in_length_) {
            if (has_length_)
              return refuse(400, "invalid_content_length", "more than one Content-Length header");
            has_length_ = true;
            length_ = 0;
            length_part_ = length_part::before;
          }
          if (may_be_encoding_ && name_len_ == transfer_encoding_len)
            has_encoding_ = true;
          state_ = state::header_value;
        } else if (is_token(c)) {
          c = lower(c);
          may_be_length_ = may_be_length_ && name_len_ < content_length_len &&
                           c == static_cast<unsigned char>(content_length[name_len_]);
          may_be_encoding_ = may_be_encoding_ && name_len_ < transfer_encoding_len &&
                             c == static_cast<unsigned char>(transfer_encoding[name_len_]);
          ++name_len_;
        } else {
          return refuse(400, "bad_request",
                        "malformed header line: a header needs a name of token characters and ':'");
        }
        break;
      }

      case state::header_value: {
        if (!in_length_) {
          while (i < len && bytes[i] != '\r')
            ++i;
          if (i < len) {
            ++i;
            state_ = state::header_lf;
          }
          break;
        }
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
          in_length_ = false;
          state_ = state::header_lf;
        } else {
          return refuse(400, "invalid_content_length",
                        "Content-Length must be a decimal number of bytes");
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
        {
          // A call that reaches the head's end started in it: the head's bytes here are i.
          result r = end_of_headers(i);
          if (state_ == state::unframed)
            r.consumed = len;
          if (state_ != state::body)
            return r;
        }
        break;  // on with the body
    }
  }
  // Still in the head (a call that ends in a body returned or counted the head already).
  if (state_ != state::body)
    head_bytes_ += len;
  result r;
  r.consumed = len;
  return r;
}

}  // namespace eventbed
