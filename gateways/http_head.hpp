// The header fields of a request head that the request screen
// (http_screen.hpp) has accepted, taken apart without the HTTP library.
//
// Pistache 0.0.5 parses every header into a typed object, lowercasing names
// and building streams on the way: about 6,000 instructions a header, a
// quarter of a single-event POST /ingest. The server gives Pistache only the
// request line and the framing (http_server.cpp) and takes the fields from
// here. The screen has checked the syntax (names of token characters, ':',
// values to CRLF), so this only splits; it never refuses.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventbed {

using http_fields = std::vector<std::pair<std::string, std::string>>;

struct http_head {
  std::string_view request_line;  // without its CRLF
  http_fields fields;             // name as sent, value without the blanks around it
};

// Splits `head`: the request line, CRLF, header lines each ending in CRLF, and
// the empty line. A name repeated in any case keeps its first value, as
// Pistache did (eventbed reads no list-valued request header).
http_head split_http_head(std::string_view head);

// The value of the first field named `name`, compared case-insensitively;
// empty if there is none.
std::string_view http_field(const http_fields& fields, std::string_view name);

}  // namespace eventbed
