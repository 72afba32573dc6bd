#include "gateways/ce_header.hpp"

#include "gateways/media_type.hpp"
#include "gateways/utf8.hpp"

namespace eventbed {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The content of a quoted-string that makes up all of `text`; nullopt if the
// closing quote is missing or anything follows it.
std::optional<std::string> unquote(std::string_view text) {
  std::string out;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '"') {
      if (i + 1 != text.size()) return std::nullopt;
      return out;
    }
    if (text[i] == '\\' && ++i == text.size()) break;
    out += text[i];
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ce_attribute_name(std::string_view header_name) {
  if (!is_ce_header(header_name)) return std::nullopt;
  std::string name(header_name.substr(3));
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

std::optional<std::string> decode_ce_header_value(std::string_view raw, std::string_view* problem) {
  std::string_view value = trim_ows(raw);
  std::optional<std::string> unquoted;
  if (!value.empty() && value.front() == '"') {
    unquoted = unquote(value);
    if (!unquoted) {
      *problem = "is not one well-formed quoted string";
      return std::nullopt;
    }
    value = *unquoted;
  }
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    const int high = i + 1 < value.size() ? hex_value(value[i + 1]) : -1;
    const int low = i + 2 < value.size() ? hex_value(value[i + 2]) : -1;
    if (high < 0 || low < 0) {
      *problem = "has a % that is not followed by two hex digits";
      return std::nullopt;
    }
    out += static_cast<char>(high << 4 | low);
    i += 2;
  }
  if (!valid_utf8(out)) {
    *problem = "is not UTF-8 once percent-decoded";
    return std::nullopt;
  }
  return out;
}

}  // namespace eventbed
