#include "gateways/event_parser.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "gateways/event_ids.hpp"
#include "gateways/json_envelope.hpp"

namespace eventbed {

namespace {

enum class body_form { plain, cloudevent, cloudevent_batch };

ingest_error bad_request(std::string error, std::string detail) {
  return {400, std::move(error), std::move(detail)};
}

// Details are sent back inside a JSON reply, so they must be valid UTF-8 and
// short even when they quote client bytes: anything outside printable ASCII is
// escaped and long text is cut.
std::string printable(std::string_view text, size_t max_chars) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max_chars) + 4);
  for (unsigned char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

std::string in_quotes(std::string_view text) { return "\"" + printable(text, 64) + "\""; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {  // HTTP optional whitespace
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 media type: type/subtype, then `;`-separated parameters. JSON is
// UTF-8 by definition (RFC 8259), so charset is only checked, never used.
std::variant<body_form, ingest_error> media_form(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  const std::string_view type = trim(content_type.substr(0, semi));
  body_form form;
  if (iequals(type, "application/json")) {
    form = body_form::plain;
  } else if (iequals(type, "application/cloudevents+json")) {
    form = body_form::cloudevent;
  } else if (iequals(type, "application/cloudevents-batch+json")) {
    form = body_form::cloudevent_batch;
  } else {
    return ingest_error{415, "unsupported_media_type",
                        "Content-Type " + in_quotes(content_type) +
                            " is not application/json, application/cloudevents+json or "
                            "application/cloudevents-batch+json"};
  }
  std::string_view params = semi == std::string_view::npos ? "" : content_type.substr(semi + 1);
  while (!params.empty()) {
    const size_t next = params.find(';');
    const std::string_view param = params.substr(0, next);
    params = next == std::string_view::npos ? "" : params.substr(next + 1);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "charset")) continue;
    std::string_view charset = trim(param.substr(eq + 1));
    if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
      charset = charset.substr(1, charset.size() - 2);
    }
    if (!iequals(charset, "utf-8")) {
      return ingest_error{415, "unsupported_media_type",
                          "charset " + in_quotes(charset) + " is not utf-8"};
    }
  }
  return form;
}

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool type_char(char c) {
  return alnum(c) || c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
}
bool extension_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool base64_char(char c) { return alnum(c) || c == '+' || c == '/'; }

template <typename Pred>
bool all_of(std::string_view s, Pred pred) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool valid_base64(std::string_view s) {  // RFC 4648 section 4, padded, no line breaks
  if (s.size() % 4 != 0) return false;
  if (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (!s.empty() && s.back() == '=') s.remove_suffix(1);
  return all_of(s, base64_char);
}

// Members an event object may have. The plain form allows only those up to
// `traceparent`; CloudEvents allows all, plus extension attributes.
enum class member : size_t {
  id, type, source, data, traceparent,
  specversion, data_base64, datacontenttype, dataschema, subject, time, extension
};
constexpr std::string_view member_names[] = {
    "id", "type", "source", "data", "traceparent",
    "specversion", "data_base64", "datacontenttype", "dataschema", "subject", "time"};
constexpr size_t known_members = static_cast<size_t>(member::extension);

member classify(std::string_view key) {
  for (size_t i = 0; i < known_members; ++i) {
    if (key == member_names[i]) return static_cast<member>(i);
  }
  return member::extension;
}

ingest_error missing(std::string_view name) {
  return bad_request("missing_field", "missing required field " + in_quotes(name));
}

ingest_error invalid(std::string_view name, std::string_view why) {
  return bad_request("invalid_field", in_quotes(name) + " " + std::string(why));
}

struct reader {
  body_form form;
  const ingest_limits& limits;
  std::string_view traceparent_header;  // only for single-event bodies, else ""
};

// What is wrong with a member's name (or an extension's value), if anything.
std::optional<ingest_error> check_member(const json_member& m, member kind, bool cloudevent) {
  if (!cloudevent && kind > member::traceparent) {
    return bad_request("unknown_field",
                       "unknown field " + in_quotes(m.key) +
                           (kind == member::extension ? "" : " (CloudEvents need Content-Type "
                                                             "application/cloudevents+json)"));
  }
  if (kind != member::extension) return std::nullopt;
  if (m.key.empty() || !all_of(m.key, extension_char)) {
    return bad_request("unknown_field", "unknown field " + in_quotes(m.key) +
                                            " (extension attribute names are [a-z0-9]+)");
  }
  if (m.value.kind == json_kind::array || m.value.kind == json_kind::object) {
    return invalid(m.key, "must be a string, number or boolean");
  }
  return std::nullopt;
}

std::optional<std::string> text(const json_value* value) {
  if (!value) return std::nullopt;
  return json_string_value(*value);
}

// Validates one event object and moves its fields into `out`. Checks run in a
// fixed order so a given body always yields the same error.
std::optional<ingest_error> read_event(const reader& r, const json_envelope& body,
                                       const json_element& element, event& out) {
  if (element.kind != json_kind::object) {
    return bad_request("invalid_event", "expected an event object");
  }
  const bool cloudevent = r.form != body_form::plain;
  std::array<const json_value*, known_members> found{};  // null members stay absent
  // Of several bad members, the one with the smallest key is reported, as
  // when members were checked in key order: the error must not depend on
  // member order in the body.
  const json_member* culprit = nullptr;
  std::optional<ingest_error> culprit_error;
  for (size_t i = 0; i < element.member_count; ++i) {
    const json_member& m = body.members[element.first_member + i];
    if (culprit && culprit->key < m.key) continue;  // cannot change the outcome
    const member kind = classify(m.key);
    if (auto error = check_member(m, kind, cloudevent)) {
      culprit = &m;  // keys are unique, so this one's is the smallest yet
      culprit_error = std::move(error);
    } else if (kind != member::extension && m.value.kind != json_kind::null) {
      found[static_cast<size_t>(kind)] = &m.value;
    }
  }
  if (culprit_error) return culprit_error;
  // Every member but data is a string.
  for (size_t i = 0; i < known_members; ++i) {
    const bool string = found[i] && found[i]->kind == json_kind::string;
    if (!found[i] || string || i == static_cast<size_t>(member::data)) continue;
    if (i == static_cast<size_t>(member::id)) {
      return bad_request("invalid_id", "\"id\" must be a string");
    }
    return invalid(member_names[i], "must be a string");
  }
  auto field = [&found](member m) { return found[static_cast<size_t>(m)]; };
  std::optional<std::string> id = text(field(member::id));
  std::optional<std::string> type = text(field(member::type));
  std::optional<std::string> source = text(field(member::source));
  std::optional<std::string> traceparent = text(field(member::traceparent));
  std::optional<std::string> data_base64 = text(field(member::data_base64));
  const json_value* data = field(member::data);

  if (cloudevent) {
    const std::optional<std::string> specversion = text(field(member::specversion));
    if (!specversion) return missing("specversion");
    if (*specversion != "1.0") return invalid("specversion", "must be \"1.0\"");
    if (!id) return missing("id");
    if (!source) return missing("source");
    if (source->empty()) return invalid("source", "must not be empty");
  }
  if (id && !valid_event_id(*id, r.limits.max_id_length)) {
    return bad_request("invalid_id", "id " + in_quotes(*id) + " must be 1.." +
                                         std::to_string(r.limits.max_id_length) +
                                         " of [A-Za-z0-9._:-] and not \".\" or \"..\"");
  }
  if (source && source->size() > r.limits.max_source_length) {
    return invalid("source", "is longer than " + std::to_string(r.limits.max_source_length));
  }
  if (!type) return missing("type");
  if (type->empty() || type->size() > r.limits.max_type_length || !all_of(*type, type_char)) {
    return invalid("type", "must be 1.." + std::to_string(r.limits.max_type_length) +
                               " of [A-Za-z0-9._:/-]");
  }
  if (data_base64 && !valid_base64(*data_base64)) return invalid("data_base64", "is not base64");
  if (data && data_base64) return invalid("data", "and \"data_base64\" are mutually exclusive");

  out.client_id = id.has_value();
  out.id = id ? std::move(*id) : make_event_id();
  out.type = std::move(*type);
  if (source) out.source = std::move(*source);
  // Base64 text needs no escaping, so quoting it makes its JSON string.
  out.data = data ? json_compact_text(*data) : data_base64 ? '"' + *data_base64 + '"' : "null";
  if (traceparent && valid_traceparent(*traceparent)) {
    out.traceparent = std::move(*traceparent);
  } else if (valid_traceparent(r.traceparent_header)) {
    out.traceparent = r.traceparent_header;
  } else {
    out.traceparent = make_traceparent();
  }
  return std::nullopt;
}

ingest_error envelope_failure(const envelope_error& failure, const ingest_limits& limits) {
  const json_error& e = failure.error;
  ingest_error error;
  switch (e.code) {
    case json_error_code::syntax:
      error = bad_request("invalid_json", e.message);
      break;
    case json_error_code::too_deep:
      error = bad_request("nesting_too_deep", "more than " + std::to_string(limits.max_depth) +
                                                  " nested arrays/objects");
      break;
    case json_error_code::duplicate_key:
      error = bad_request("duplicate_key", "duplicate key " + in_quotes(e.key));
      break;
    case json_error_code::too_many_elements:
      error = {413, "too_many_events",
               "more than " + std::to_string(limits.max_events) + " events"};
      break;
  }
  if (failure.element) error.detail.insert(0, "event[" + std::to_string(*failure.element) + "]: ");
  return error;
}

}  // namespace

std::variant<ingest_request, ingest_error> parse_ingest(std::string_view content_type,
                                                        std::string_view body,
                                                        std::string_view traceparent_header,
                                                        const ingest_limits& limits) {
  auto form_or_error = media_form(content_type);
  if (auto* error = std::get_if<ingest_error>(&form_or_error)) return std::move(*error);
  const body_form form = std::get<body_form>(form_or_error);
  if (body.size() > limits.max_body_bytes) {
    return ingest_error{413, "body_too_large",
                        "body of " + std::to_string(body.size()) + " bytes exceeds " +
                            std::to_string(limits.max_body_bytes)};
  }

  // A single CloudEvent must not be an array at all; reject that by shape below
  // rather than by count, so the error says what is wrong.
  auto envelope_or_error = read_envelope(
      body, limits.max_depth, form == body_form::cloudevent ? SIZE_MAX : limits.max_events);
  if (auto* failure = std::get_if<envelope_error>(&envelope_or_error)) {
    return envelope_failure(*failure, limits);
  }
  const json_envelope& root = std::get<json_envelope>(envelope_or_error);

  ingest_request request;
  request.batch = root.array;
  if (form == body_form::cloudevent && request.batch) {
    return bad_request("invalid_event", "application/cloudevents+json carries one event; send "
                                        "arrays as application/cloudevents-batch+json");
  }
  if (form == body_form::cloudevent_batch && !request.batch) {
    return bad_request("invalid_event", "application/cloudevents-batch+json needs an array");
  }
  if (form == body_form::plain && request.batch && root.elements.empty()) {
    return bad_request("empty_batch", "the array holds no events");
  }

  const reader r{form, limits, request.batch ? std::string_view() : traceparent_header};
  request.events.resize(root.elements.size());
  for (size_t i = 0; i < root.elements.size(); ++i) {
    if (auto error = read_event(r, root, root.elements[i], request.events[i])) {
      if (request.batch) error->detail.insert(0, "event[" + std::to_string(i) + "]: ");
      return std::move(*error);
    }
  }
  return request;
}

}  // namespace eventbed
