#include "gateways/event_parser.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <optional>
#include <utility>

#include "gateways/base64.hpp"
#include "gateways/ce_header.hpp"
#include "gateways/event_ids.hpp"
#include "gateways/json_envelope.hpp"
#include "gateways/json_scanner.hpp"
#include "gateways/media_type.hpp"
#include "gateways/utf8.hpp"

namespace eventbed {

namespace {

enum class body_form { plain, cloudevent, cloudevent_batch, binary };

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

// JSON is UTF-8 by definition (RFC 8259), so a charset parameter is only
// checked, never used.
std::optional<ingest_error> check_charset(std::string_view content_type) {
  const std::optional<std::string_view> charset = media_parameter(content_type, "charset");
  if (!charset || iequals(*charset, "utf-8")) return std::nullopt;
  return ingest_error{415, "unsupported_media_type", "charset " + in_quotes(*charset) + " is not utf-8"};
}

// The form of a body. The CloudEvents media types choose structured or batch
// mode whatever else the request holds (HTTP binding section 3); otherwise
// a ce- header makes it binary mode, whatever its Content-Type (which is
// then the data's); otherwise it must be eventbed's plain JSON.
std::variant<body_form, ingest_error> body_form_of(std::string_view content_type,
                                                   const http_header_list& headers) {
  const std::string_view essence = media_essence(content_type);
  body_form form;
  if (iequals(essence, "application/cloudevents+json")) {
    form = body_form::cloudevent;
  } else if (iequals(essence, "application/cloudevents-batch+json")) {
    form = body_form::cloudevent_batch;
  } else if (std::any_of(headers.begin(), headers.end(), [](const auto& h) { return is_ce_header(h.first); })) {
    // The Content-Type is the data's: only JSON data must be UTF-8.
    if (!json_media_type(content_type)) return body_form::binary;
    form = body_form::binary;
  } else if (iequals(essence, "application/json")) {
    form = body_form::plain;
  } else {
    return ingest_error{415, "unsupported_media_type",
                        "Content-Type " + in_quotes(content_type) +
                            " is not application/json, application/cloudevents+json or "
                            "application/cloudevents-batch+json, and no ce- header makes the "
                            "request a binary-mode CloudEvent"};
  }
  if (auto error = check_charset(content_type)) return std::move(*error);
  return form;
}

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool type_char(char c) {
  return alnum(c) || c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
}
bool extension_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

template <typename Pred>
bool all_of(std::string_view s, Pred pred) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
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

// The members eventbed does not act on: stored as event::attributes.
bool kept_as_attribute(member kind) {
  return kind == member::dataschema || kind == member::subject || kind == member::time ||
         kind == member::extension;
}

struct reader {
  body_form form;
  const ingest_limits& limits;
  std::string_view traceparent_header;  // only for single-event bodies, else ""

  bool cloudevent() const { return form != body_form::plain; }
  // How details name a member: binary mode carries attributes in headers.
  std::string name(std::string_view member_name) const {
    return form == body_form::binary ? "header " + in_quotes("ce-" + std::string(member_name))
                                     : in_quotes(member_name);
  }
  ingest_error missing(std::string_view member_name) const {
    return bad_request("missing_field", std::string("missing required ") +
                                            (form == body_form::binary ? "" : "field ") +
                                            name(member_name));
  }
  ingest_error invalid(std::string_view member_name, std::string_view why) const {
    return bad_request("invalid_field", name(member_name) + " " + std::string(why));
  }
};

ingest_error unknown(std::string_view name, std::string_view why = "") {
  return bad_request("unknown_field", "unknown field " + in_quotes(name) + std::string(why));
}

ingest_error unknown_header(std::string_view attribute, std::string_view why) {
  return bad_request("unknown_field",
                     "unknown header " + in_quotes("ce-" + std::string(attribute)) + " " + std::string(why));
}

// One event's members as the rules of build_event() see them, whichever form
// carried them: the strings eventbed acts on, decoded; `data` in its stored
// form; and the attributes it keeps, each as its compact JSON value.
struct event_fields {
  // The members up to datacontenttype; those after it are kept as attributes.
  std::array<std::optional<std::string>, static_cast<size_t>(member::datacontenttype) + 1> text;
  std::optional<std::string> data;  // compact JSON text, or bytes if binary_data
  bool binary_data = false;
  std::vector<std::pair<std::string, std::string>> attributes;

  std::optional<std::string>& operator[](member m) {
    assert(m <= member::datacontenttype);
    return text[static_cast<size_t>(m)];
  }
};

// What is wrong with a member's name (or an extension's value), if anything.
std::optional<ingest_error> check_member(const json_member& m, member kind, bool cloudevent) {
  if (!cloudevent && kind > member::traceparent) {
    return unknown(m.key, kind == member::extension
                              ? ""
                              : " (CloudEvents need Content-Type application/cloudevents+json)");
  }
  if (kind != member::extension) return std::nullopt;
  if (m.key.empty() || !all_of(m.key, extension_char)) {
    return unknown(m.key, " (extension attribute names are [a-z0-9]+)");
  }
  if (m.value.kind == json_kind::array || m.value.kind == json_kind::object) {
    return bad_request("invalid_field", in_quotes(m.key) + " must be a string, number or boolean");
  }
  return std::nullopt;
}

// The members of one event object. Checks run in a fixed order so a given
// body always yields the same error.
std::optional<ingest_error> read_members(const reader& r, const json_envelope& body,
                                         const json_element& element, event_fields& out) {
  if (element.kind != json_kind::object) {
    return bad_request("invalid_event", "expected an event object");
  }
  // Of several bad members, the one with the smallest key is reported, as
  // when members were checked in key order: the error must not depend on
  // member order in the body.
  const json_member* culprit = nullptr;
  std::optional<ingest_error> culprit_error;
  uint32_t not_strings = 0;  // bit i: member i, which must be a string, is not
  for (size_t i = 0; i < element.member_count; ++i) {
    const json_member& m = body.members[element.first_member + i];
    if (culprit && culprit->key < m.key) continue;  // cannot change the outcome
    const member kind = classify(m.key);
    if (auto error = check_member(m, kind, r.cloudevent())) {
      culprit = &m;  // keys are unique, so this one's is the smallest yet
      culprit_error = std::move(error);
      continue;
    }
    if (m.value.kind == json_kind::null) continue;  // null members stay absent
    if (kept_as_attribute(kind)) out.attributes.emplace_back(m.key, json_compact_text(m.value));
    if (kind == member::data) {
      out.data = json_compact_text(m.value);
    } else if (kind != member::extension && m.value.kind != json_kind::string) {
      not_strings |= 1u << static_cast<size_t>(kind);
    } else if (!kept_as_attribute(kind)) {
      out[kind] = json_string_value(m.value);
    }
  }
  if (culprit_error) return culprit_error;
  // Every member but data is a string; of several that are not, the first
  // in member order is reported.
  if (not_strings != 0) {
    size_t i = 0;
    while ((not_strings >> i & 1) == 0) ++i;
    if (i == static_cast<size_t>(member::id)) {
      return bad_request("invalid_id", "\"id\" must be a string");
    }
    return r.invalid(member_names[i], "must be a string");
  }
  return std::nullopt;
}

// The attributes of a binary-mode event: its ce- headers. They are taken in
// name order, so that of several bad headers the same one is reported
// whatever their order, as for members above.
std::optional<ingest_error> read_headers(const reader& r, const http_header_list& headers,
                                         event_fields& out) {
  std::vector<std::pair<std::string, std::string_view>> attributes;  // name, raw value
  for (const auto& [name, value] : headers) {
    if (auto attribute = ce_attribute_name(name)) attributes.emplace_back(std::move(*attribute), value);
  }
  std::sort(attributes.begin(), attributes.end());
  for (size_t i = 0; i < attributes.size(); ++i) {
    const std::string& name = attributes[i].first;
    if (i > 0 && name == attributes[i - 1].first) {
      return bad_request("duplicate_key", "duplicate header " + in_quotes("ce-" + name));
    }
    const member kind = classify(name);
    if (kind == member::datacontenttype) {
      return unknown_header(name, "(in binary mode datacontenttype is the Content-Type header)");
    }
    if (kind == member::data || kind == member::data_base64) {
      return unknown_header(name, "(in binary mode the data is the body)");
    }
    if (kind == member::extension && (name.empty() || !all_of(name, extension_char))) {
      return unknown_header(name, "(extension attribute names are [a-z0-9]+)");
    }
    std::string_view problem;
    std::optional<std::string> value = decode_ce_header_value(attributes[i].second, &problem);
    if (!value) return r.invalid(name, problem);
    if (kept_as_attribute(kind)) {
      out.attributes.emplace_back(name, json_quoted(*value));
    } else {
      out[kind] = std::move(*value);
    }
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

// The data of a binary-mode event: the body, in the media type its
// Content-Type names. JSON is read like any ingest body and stored compact;
// anything else (no Content-Type included) is kept as its bytes. An empty
// body is no data.
std::optional<ingest_error> read_body_data(std::string_view content_type, std::string_view body,
                                           const ingest_limits& limits, event_fields& out) {
  const std::string_view media_type = trim_ows(content_type);
  if (!valid_utf8(media_type)) {
    return bad_request("invalid_field", "Content-Type (the datacontenttype) is not UTF-8");
  }
  if (!media_type.empty()) out[member::datacontenttype] = std::string(media_type);
  if (body.empty()) return std::nullopt;
  if (!json_media_type(media_type)) {
    out.data = std::string(body);
    out.binary_data = true;
    return std::nullopt;
  }
  json_scanner scanner(body, limits.max_depth);
  json_value value;
  if (!scanner.read_value(value) || !scanner.finish()) {
    return envelope_failure({scanner.error(), std::nullopt}, limits);
  }
  out.data = json_compact_text(value);
  return std::nullopt;
}

// The attributes as one compact JSON object, keys sorted; "" for none.
std::string attributes_object(std::vector<std::pair<std::string, std::string>>& attributes) {
  if (attributes.empty()) return {};
  std::sort(attributes.begin(), attributes.end());
  std::string out = "{";
  for (const auto& [name, value] : attributes) {
    // Names are [a-z0-9]+ or a known member's: no escaping needed.
    out.append(out.size() > 1 ? ",\"" : "\"").append(name).append("\":").append(value);
  }
  return out + "}";
}

// The rules every form shares, applied to what the form carried, and the
// event they make.
std::optional<ingest_error> build_event(const reader& r, event_fields& f, event& out) {
  std::optional<std::string>& id = f[member::id];
  std::optional<std::string>& type = f[member::type];
  std::optional<std::string>& source = f[member::source];
  std::optional<std::string>& traceparent = f[member::traceparent];
  const std::optional<std::string>& data_base64 = f[member::data_base64];

  if (r.cloudevent()) {
    const std::optional<std::string>& specversion = f[member::specversion];
    if (!specversion) return r.missing("specversion");
    if (*specversion != "1.0") return r.invalid("specversion", "must be \"1.0\"");
    if (!id) return r.missing("id");
    if (!source) return r.missing("source");
    if (source->empty()) return r.invalid("source", "must not be empty");
  }
  if (id && !valid_event_id(*id, r.limits.max_id_length)) {
    return bad_request("invalid_id", "id " + in_quotes(*id) + " must be 1.." +
                                         std::to_string(r.limits.max_id_length) +
                                         " of [A-Za-z0-9._:-] and not \".\" or \"..\"");
  }
  if (source && source->size() > r.limits.max_source_length) {
    return r.invalid("source", "is longer than " + std::to_string(r.limits.max_source_length));
  }
  if (!type) return r.missing("type");
  if (type->empty() || type->size() > r.limits.max_type_length || !all_of(*type, type_char)) {
    return r.invalid("type", "must be 1.." + std::to_string(r.limits.max_type_length) +
                                 " of [A-Za-z0-9._:/-]");
  }
  if (data_base64) {
    std::optional<std::string> bytes = base64_decode(*data_base64);
    if (!bytes) return r.invalid("data_base64", "is not base64");
    if (f.data) return r.invalid("data", "and \"data_base64\" are mutually exclusive");
    f.data = std::move(bytes);
    f.binary_data = true;
  }

  out.client_id = id.has_value();
  out.id = id ? std::move(*id) : make_event_id();
  out.type = std::move(*type);
  if (source) out.source = std::move(*source);
  out.data = f.data ? std::move(*f.data) : "null";
  out.binary_data = f.binary_data;
  if (auto& content_type = f[member::datacontenttype]) out.datacontenttype = std::move(*content_type);
  out.attributes = attributes_object(f.attributes);
  if (traceparent && valid_traceparent(*traceparent)) {
    out.traceparent = std::move(*traceparent);
  } else if (valid_traceparent(r.traceparent_header)) {
    out.traceparent = r.traceparent_header;
  } else {
    out.traceparent = make_traceparent();
    out.traceparent_made = true;
  }
  return std::nullopt;
}

}  // namespace

std::variant<ingest_request, ingest_error> parse_ingest(std::string_view content_type,
                                                        std::string_view body,
                                                        std::string_view traceparent_header,
                                                        const ingest_limits& limits,
                                                        const http_header_list& headers) {
  auto form_or_error = body_form_of(content_type, headers);
  if (auto* error = std::get_if<ingest_error>(&form_or_error)) return std::move(*error);
  const body_form form = std::get<body_form>(form_or_error);
  if (body.size() > limits.max_body_bytes) {
    return ingest_error{413, "body_too_large",
                        "body of " + std::to_string(body.size()) + " bytes exceeds " +
                            std::to_string(limits.max_body_bytes)};
  }

  ingest_request request;
  if (form == body_form::binary) {
    const reader r{form, limits, traceparent_header};
    event_fields fields;
    request.events.resize(1);
    if (auto error = read_headers(r, headers, fields)) return std::move(*error);
    if (auto error = read_body_data(content_type, body, limits, fields)) return std::move(*error);
    if (auto error = build_event(r, fields, request.events[0])) return std::move(*error);
    return request;
  }

  // A single CloudEvent must not be an array at all; reject that by shape below
  // rather than by count, so the error says what is wrong.
  auto envelope_or_error = read_envelope(
      body, limits.max_depth, form == body_form::cloudevent ? SIZE_MAX : limits.max_events);
  if (auto* failure = std::get_if<envelope_error>(&envelope_or_error)) {
    return envelope_failure(*failure, limits);
  }
  const json_envelope& root = std::get<json_envelope>(envelope_or_error);

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
    event_fields fields;
    std::optional<ingest_error> error = read_members(r, root, root.elements[i], fields);
    if (!error) error = build_event(r, fields, request.events[i]);
    if (error) {
      if (request.batch) error->detail.insert(0, "event[" + std::to_string(i) + "]: ");
      return std::move(*error);
    }
  }
  return request;
}

}  // namespace eventbed
