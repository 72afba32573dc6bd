// Versioned event types: "<family>.v<N>", e.g. widget.produced.v2.
//
// A type whose name ends in ".v" and digits is version N of its family. Only
// families with a schema in the registry (gateways/schema_registry.hpp) mean
// anything to eventbed; every other type, versioned-looking or not, stays
// opaque data, as before.
//
// `schema_version_set` is which versions a process knows: all it ships, or the
// subset `--schema-versions 1,2` names, so one binary can act as an older
// release and an upgrade can be rehearsed with it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace eventbed {

struct versioned_type {
  std::string family;  // "widget.produced"
  int version = 0;     // >= 1
};

// nullopt unless `type` is "<family>.v<N>" with a non-empty family and 1 <= N <= 9999.
std::optional<versioned_type> parse_versioned_type(std::string_view type);

class schema_version_set {
 public:
  schema_version_set() = default;  // every version

  // "1,2,3" -> those versions; "" -> every version. Throws std::invalid_argument
  // naming the bad element otherwise.
  static schema_version_set parse(std::string_view list);

  bool all() const { return versions_.empty(); }
  bool contains(int version) const { return all() || versions_.count(version) != 0; }
  const std::set<int>& versions() const { return versions_; }  // empty: all

  // "all" or "1,2": how logs, /version and the projection file name the set.
  std::string to_string() const;

 private:
  std::set<int> versions_;
};

}  // namespace eventbed
