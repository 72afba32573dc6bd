#include "gateways/schema_registry.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "common/metrics.hpp"
#include "gateways/schema_compatibility.hpp"

namespace eventbed {

namespace {

using json = nlohmann::json;

// valijson names a property "[name]" below "<root>": the detail says "data.name".
std::string field_path(const std::vector<std::string>& context) {
  std::string path = "data";
  for (const auto& part : context) {
    if (part == "<root>") continue;
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']')
      path += "." + part.substr(1, part.size() - 2);
    else
      path += "." + part;
  }
  return path;
}

ingest_error violation(std::string detail) { return {400, "schema_violation", std::move(detail)}; }

metrics::counter& rejected(const std::string& reason) {
  return metrics::global().add_counter("eventbed_ingest_schema_rejected_total",
                                       "Ingest requests refused by the schema registry, by reason.", {{"reason", reason}});
}

}  // namespace

struct schema_registry::entry {
  std::string_view text;
  json document;
  valijson::Schema schema;
  std::vector<std::pair<std::string, std::string>> at_most;  // field, the field it may not exceed
  metrics::counter* passed = nullptr;
};

schema_registry::schema_registry(const std::vector<schema_document>& documents, schema_version_set known) {
  // Registered up front, so a dashboard shows 0 rather than no series.
  rejected("schema_violation");
  rejected("unknown_schema_version");
  std::map<std::string, std::map<int, json>> shipped;  // family -> version -> document
  for (const auto& doc : documents) {
    auto versioned = parse_versioned_type(doc.type);
    if (!versioned) throw std::invalid_argument("schema '" + std::string(doc.type) + "' is not named <family>.v<N>");
    auto document = json::parse(doc.text, nullptr, false);
    if (document.is_discarded() || !document.is_object())
      throw std::invalid_argument("schema '" + std::string(doc.type) + "' is not a JSON object");
    shipped[versioned->family][versioned->version] = document;
    if (!known.contains(versioned->version)) continue;
    auto e = std::make_unique<entry>();
    e->text = doc.text;
    e->passed = &metrics::global().add_counter("eventbed_ingest_schema_events_total",
                                               "Events of versioned types that passed schema validation, by type.",
                                               {{"type", std::string(doc.type)}});
    e->document = document;
    try {
      valijson::SchemaParser parser;
      valijson::adapters::NlohmannJsonAdapter adapter(e->document);
      parser.populateSchema(adapter, e->schema);
    } catch (const std::exception& err) {
      throw std::invalid_argument("schema '" + std::string(doc.type) + "' is not valid: " + err.what());
    }
    auto properties = e->document.value("properties", json::object());
    for (const auto& [name, property] : properties.items())
      if (auto limit = property.find("x-maximum-field"); limit != property.end() && limit->is_string())
        e->at_most.emplace_back(name, limit->get<std::string>());
    by_type_.emplace(std::string(doc.type), std::move(e));
    families_[versioned->family].push_back(versioned->version);
  }
  for (const auto& [family, versions] : shipped) {
    std::vector<json> in_order;
    for (const auto& [version, document] : versions) {
      if (version != static_cast<int>(in_order.size()) + 1)
        throw std::invalid_argument("schemas of " + family + " must be numbered 1, 2, ... without gaps");
      in_order.push_back(document);
    }
    auto problem = family_problem(in_order);
    if (!problem.empty())
      throw std::invalid_argument("schemas of " + family + " break " + schema_compatibility_rule + ": " + problem);
  }
  for (auto& [family, versions] : families_) std::sort(versions.begin(), versions.end());
}

schema_registry::~schema_registry() = default;

std::optional<ingest_error> schema_registry::check(const event& ev) const {
  auto versioned = parse_versioned_type(ev.type);
  if (!versioned) return std::nullopt;
  auto family = families_.find(versioned->family);
  auto it = by_type_.find(ev.type);
  if (it == by_type_.end()) {
    // A family this build knows nothing of, under --schema-versions or not, is opaque data.
    bool shipped_family = family != families_.end();
    if (!shipped_family) return std::nullopt;
    std::string known;
    for (int v : family->second) known += (known.empty() ? "" : ", ") + versioned->family + ".v" + std::to_string(v);
    return ingest_error{422, "unknown_schema_version",
                        "type '" + ev.type + "' is a version this build does not know; it knows " + known};
  }
  const auto& e = *it->second;
  if (ev.binary_data) return violation("data: must be a JSON object, not bytes");
  auto data = json::parse(ev.data, nullptr, false);
  if (data.is_discarded()) return violation("data: not JSON");
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(data);
  if (!validator.validate(e.schema, adapter, &results)) {
    // The first error is the innermost: the field itself, before the objects around it.
    const auto& first = *results.begin();
    return violation(field_path(first.context) + ": " + first.description);
  }
  for (const auto& [field, limit] : e.at_most) {
    auto value = data.find(field), bound = data.find(limit);
    if (value == data.end() || bound == data.end() || !value->is_number_integer() || !bound->is_number_integer())
      continue;
    if (value->get<int64_t>() > bound->get<int64_t>())
      return violation("data." + field + ": " + value->dump() + " is more than " + limit + " (" + bound->dump() + ")");
  }
  return std::nullopt;
}

std::optional<ingest_error> schema_registry::check(const std::vector<event>& events, bool batch) const {
  for (size_t i = 0; i < events.size(); ++i) {
    auto err = check(events[i]);
    if (!err) continue;
    rejected(err->error).inc();
    if (batch) err->detail = "event[" + std::to_string(i) + "]: " + err->detail;
    return err;
  }
  for (const auto& ev : events)
    if (auto it = by_type_.find(ev.type); it != by_type_.end()) it->second->passed->inc();
  return std::nullopt;
}

std::string schema_registry::list_json() const {
  json schemas = json::array();
  for (const auto& [type, e] : by_type_) {
    auto versioned = parse_versioned_type(type);
    schemas.push_back({{"type", type}, {"family", versioned->family}, {"version", versioned->version}});
  }
  return json{{"compatibility", schema_compatibility_rule}, {"schemas", schemas}}.dump();
}

std::optional<std::string_view> schema_registry::document(std::string_view type) const {
  auto it = by_type_.find(type);
  if (it == by_type_.end()) return std::nullopt;
  return it->second->text;
}

}  // namespace eventbed
