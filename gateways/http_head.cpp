#include "gateways/http_head.hpp"

#include <algorithm>
#include <cassert>

namespace eventbed {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

http_head split_http_head(std::string_view head) {
  http_head out;
  size_t end = head.find("\r\n");
  assert(end != std::string_view::npos);  // the screen saw the head end
  out.request_line = head.substr(0, end);
  for (size_t at = end + 2; at < head.size();) {
    end = head.find("\r\n", at);
    if (end == std::string_view::npos || end == at)
      break;  // the empty line that ends the head
    std::string_view line = head.substr(at, end - at);
    at = end + 2;
    size_t colon = line.find(':');
    assert(colon != std::string_view::npos && colon > 0);
    std::string_view name = line.substr(0, colon);
    auto seen = [&](const auto& field) { return same_name(field.first, name); };
    if (std::none_of(out.fields.begin(), out.fields.end(), seen))
      out.fields.emplace_back(name, trim_blanks(line.substr(colon + 1)));
  }
  return out;
}

std::string_view http_field(const http_fields& fields, std::string_view name) {
  for (const auto& [n, v] : fields)
    if (same_name(n, name))
      return v;
  return {};
}

}  // namespace eventbed
