#include "gateways/http_response.hpp"

#include <pistache/http_defs.h>

#include <cassert>

namespace eventbed {

http_response::http_response(bool http10, int status) {
  assert(status >= 100 && status <= 999);
  // Typical answers fit: status line, five fields and a short JSON body.
  bytes_.reserve(256);
  bytes_ += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  bytes_ += std::to_string(status);
  bytes_ += ' ';
  bytes_ += Pistache::Http::codeString(static_cast<Pistache::Http::Code>(status));
  bytes_ += "\r\n";
}

void http_response::add(std::string_view name, std::string_view value) {
  bytes_ += name;
  bytes_ += ": ";
  if (value.find_first_of("\r\n") == std::string_view::npos) {
    bytes_ += value;
  } else {
    for (char c : value)
      if (c != '\r' && c != '\n')
        bytes_ += c;
  }
  bytes_ += "\r\n";
}

std::string http_response::finish(std::string_view body) && {
  bytes_ += "Content-Length: ";
  bytes_ += std::to_string(body.size());
  bytes_ += "\r\n\r\n";
  bytes_ += body;
  return std::move(bytes_);
}

}  // namespace eventbed
