// The headers of a CloudEvent in HTTP binary content mode (CloudEvents HTTP
// protocol binding 1.0.2, section 3.1.3): every context attribute but
// datacontenttype travels as a header named `ce-` and the attribute's name,
// its value percent-encoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eventbed {

// True if the header carries an attribute: its name starts with `ce-`, in any
// case (header names are case-insensitive). Inline: every request asks it of
// every header.
inline bool is_ce_header(std::string_view header_name) {
  return header_name.size() >= 3 && (header_name[0] | 0x20) == 'c' && (header_name[1] | 0x20) == 'e' &&
         header_name[2] == '-';
}

// The attribute a header carries: the header's name after `ce-`, lowercased
// ("CE-Id" carries "id"); nullopt for a header that carries none.
std::optional<std::string> ce_attribute_name(std::string_view header_name);

// A ce- header's value, decoded as section 3.1.3.2 requires: optional
// whitespace around it dropped; a value that is one double-quoted string
// (RFC 9110 section 5.6.4) unquoted, backslash escapes included; then one
// round of percent-decoding (hex digits in either case; a `%` not followed by
// two of them is an error); the result must be UTF-8 ("%C0%A0", an overlong
// space, is an error). Characters that did not need encoding are taken as
// they are. On error returns nullopt and sets *problem to a short phrase
// ("is not UTF-8 once percent-decoded").
std::optional<std::string> decode_ce_header_value(std::string_view raw, std::string_view* problem);

}  // namespace eventbed
