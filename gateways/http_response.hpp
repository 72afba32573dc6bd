// The bytes of one HTTP/1.x answer, built without the HTTP library: status
// line, header fields, Content-Length, the empty line and the body, in one
// buffer that the server hands to the transport in one write.
//
// Pistache 0.0.5's ResponseWriter makes a typed object of every header and
// formats the answer through a std::ostream over a buffer of its own: about
// 10,700 instructions per answer, a seventh of a single-event POST /ingest.
// The bytes written are the same: "HTTP/1.x CODE REASON", the fields in the
// order added, then Content-Length.
#pragma once

#include <string>
#include <string_view>

namespace eventbed {

class http_response {
 public:
  // An answer with `status` (100-999) to a request of HTTP/1.0 (`http10`) or
  // HTTP/1.1, whose version the status line repeats.
  http_response(bool http10, int status);

  // Adds a field. A CR or LF in `value` is dropped, so that no value can end
  // the field early and add fields or a body of its own.
  void add(std::string_view name, std::string_view value);

  // The whole answer: the fields added, Content-Length, the empty line and
  // `body`. The response is spent.
  std::string finish(std::string_view body) &&;

 private:
  std::string bytes_;
};

}  // namespace eventbed
