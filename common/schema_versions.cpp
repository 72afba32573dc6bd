#include "common/schema_versions.hpp"

#include <stdexcept>

namespace eventbed {

namespace {

std::optional<int> small_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  int n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n >= 1 ? std::optional<int>(n) : std::nullopt;
}

}  // namespace

std::optional<versioned_type> parse_versioned_type(std::string_view type) {
  auto dot = type.rfind(".v");
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  auto version = small_number(type.substr(dot + 2));
  if (!version) return std::nullopt;
  return versioned_type{std::string(type.substr(0, dot)), *version};
}

schema_version_set schema_version_set::parse(std::string_view list) {
  schema_version_set out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    auto n = small_number(item);
    if (!n) throw std::invalid_argument("not a schema version (1-9999): '" + std::string(item) + "'");
    out.versions_.insert(*n);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
    if (list.empty()) throw std::invalid_argument("a schema version list must not end in ','");
  }
  return out;
}

std::string schema_version_set::to_string() const {
  if (all()) return "all";
  std::string out;
  for (int v : versions_) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

}  // namespace eventbed
