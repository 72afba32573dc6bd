// The UTF-8 rule (RFC 3629) that every text eventbed accepts is held to: JSON
// strings (json_scanner) and CloudEvents header values (ce_header).
#pragma once

#include <cstddef>
#include <string_view>

namespace eventbed {

// The length of the well-formed multi-byte UTF-8 sequence at the start of
// `s`, whose first byte is 0x80 or above; 0 if it is not one: a stray
// continuation byte, an overlong form, an encoded surrogate, a code point
// above U+10FFFF, or a sequence cut short by the end of `s`.
inline size_t utf8_sequence_length(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char lead = p[0];
  const size_t length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  unsigned char low = 0x80, high = 0xBF;
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;
  if (lead < 0xC2 || lead > 0xF4 || s.size() < length || p[1] < low || p[1] > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return length;
}

inline bool valid_utf8(std::string_view s) {
  while (!s.empty()) {
    size_t length = 1;
    if (static_cast<unsigned char>(s[0]) >= 0x80 && (length = utf8_sequence_length(s)) == 0) return false;
    s.remove_prefix(length);
  }
  return true;
}

}  // namespace eventbed
