#include "gateways/schema_compatibility.hpp"

#include <algorithm>

namespace eventbed {

namespace {

using json = nlohmann::json;

bool requires_field(const json& schema, const std::string& name) {
  auto it = schema.find("required");
  if (it == schema.end() || !it->is_array()) return false;
  return std::find(it->begin(), it->end(), json(name)) != it->end();
}

const json& properties_of(const json& schema) {
  static const json none = json::object();
  auto it = schema.find("properties");
  return it != schema.end() && it->is_object() ? *it : none;
}

}  // namespace

std::string backward_problem(const json& older, const json& newer) {
  const auto& old_props = properties_of(older);
  const auto& new_props = properties_of(newer);
  for (const auto& [name, old_schema] : old_props.items()) {
    auto it = new_props.find(name);
    if (it == new_props.end()) return "field '" + name + "' was removed";
    auto old_type = old_schema.value("type", json());
    auto new_type = it->value("type", json());
    if (old_type != new_type)
      return "field '" + name + "' changed type from " + old_type.dump() + " to " + new_type.dump();
    if (requires_field(older, name) && !requires_field(newer, name))
      return "field '" + name + "' is no longer required";
  }
  return "";
}

std::string family_problem(const std::vector<json>& versions) {
  for (size_t m = 0; m < versions.size(); ++m)
    for (size_t n = m + 1; n < versions.size(); ++n) {
      auto problem = backward_problem(versions[m], versions[n]);
      if (!problem.empty())
        return "v" + std::to_string(m + 1) + " -> v" + std::to_string(n + 1) + ": " + problem;
    }
  return "";
}

}  // namespace eventbed
