// Media types in HTTP headers (RFC 9110 sections 8.3.1 and 12.5.1): what
// ingest reads from Content-Type, and GET /events/{id} from Accept.
//
// Only as much of the grammar as eventbed needs: type, subtype and parameter
// names compare case-insensitively; parameters are split at `;` and their
// values may be quoted (a quoted value holding `;` or `,` is not supported);
// spaces and tabs around every part are ignored. Nothing here allocates.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace eventbed {

// ASCII case-insensitive equality, as header and media type names compare.
// Inline: every request compares its Content-Type with it.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// `text` without the HTTP optional whitespace (spaces, tabs) around it.
std::string_view trim_ows(std::string_view text);

// The "type/subtype" of a media type, without its parameters.
std::string_view media_essence(std::string_view media_type);

// The value of parameter `name` of a media type, unquoted; nullopt if absent.
std::optional<std::string_view> media_parameter(std::string_view media_type, std::string_view name);

// True if the media type declares JSON-formatted content as the CloudEvents
// JSON format defines it (section 3.1.1): its subtype is `json` or ends in
// `+json`, e.g. application/json, text/json, application/cloudevents+json.
bool json_media_type(std::string_view media_type);

// The quality an Accept header value gives exactly the media type `essence`:
// the q parameter (default 1) of the range naming it, 0 if no range names it.
// Wildcard ranges (*/*, type/*) do not count: they accept the default answer.
double listed_quality(std::string_view accept, std::string_view essence);

}  // namespace eventbed
