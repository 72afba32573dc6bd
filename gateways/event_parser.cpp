#include "gateways/event_parser.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "gateways/event_ids.hpp"

namespace eventbed {

namespace {

using json = nlohmann::json;

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

// A SAX handler that builds the same DOM as json::parse but enforces the limits
// while parsing, so a hostile body is rejected at the offending byte instead of
// after being fully materialized:
//   - depth is the number of open containers, checked before opening another
//     (nlohmann's SAX parser itself is iterative, so nothing recurses);
//   - duplicate keys are found by inserting into the object being built, which
//     json::parse would silently overwrite; the map lookup is the key set, so
//     no per-depth sets are kept and no key is copied;
//   - a top-level array stops growing at max_root_elements.
// Errors from nlohmann arrive through parse_error(), so no exception is thrown.
class strict_dom {
 public:
  strict_dom(json& root, size_t max_depth, size_t max_root_elements)
      : root_(root), max_depth_(max_depth), max_root_elements_(max_root_elements) {}

  bool null() { return insert(nullptr) != nullptr; }
  bool boolean(bool value) { return insert(value) != nullptr; }
  bool number_integer(json::number_integer_t value) { return insert(value) != nullptr; }
  bool number_unsigned(json::number_unsigned_t value) { return insert(value) != nullptr; }
  bool number_float(json::number_float_t value, const std::string&) {
    return insert(value) != nullptr;
  }
  bool string(std::string& value) { return insert(std::move(value)) != nullptr; }
  bool binary(json::binary_t&) { return false; }  // never produced by the JSON lexer

  bool start_object(size_t) { return open(json::value_t::object); }
  bool start_array(size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& name) {
    auto& members = open_.back()->get_ref<json::object_t&>();
    auto [it, inserted] = members.try_emplace(std::move(name));
    if (!inserted) {
      return fail(bad_request("duplicate_key", "duplicate key " + in_quotes(it->first)));
    }
    member_ = &it->second;
    return true;
  }

  bool parse_error(size_t byte, const std::string&, const nlohmann::detail::exception& ex) {
    error_ = bad_request("invalid_json",
                         printable(ex.what(), 300) + " (byte " + std::to_string(byte) + ")");
    return false;
  }

  ingest_error take_error() { return std::move(*error_); }

 private:
  json* insert(json&& value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_object()) {
      *member_ = std::move(value);
      return member_;
    }
    auto& items = parent.get_ref<json::array_t&>();
    if (open_.size() == 1 && items.size() == max_root_elements_) {
      fail({413, "too_many_events", "more than " + std::to_string(max_root_elements_) + " events"});
      return nullptr;
    }
    items.push_back(std::move(value));
    return &items.back();
  }

  bool open(json::value_t kind) {
    if (open_.size() >= max_depth_) {
      return fail(bad_request("nesting_too_deep", "more than " + std::to_string(max_depth_) +
                                                      " nested arrays/objects"));
    }
    json* container = insert(json(kind));
    if (container == nullptr) return false;
    open_.push_back(container);
    return true;
  }

  bool close() {
    open_.pop_back();
    return true;
  }

  // Errors inside an element of a top-level array name that element.
  bool fail(ingest_error error) {
    if (open_.size() >= 2 && root_.is_array()) {
      error.detail.insert(0, "event[" + std::to_string(root_.size() - 1) + "]: ");
    }
    error_ = std::move(error);
    return false;
  }

  json& root_;
  const size_t max_depth_;
  const size_t max_root_elements_;
  std::vector<json*> open_;  // containers being filled, outermost first
  json* member_ = nullptr;   // the object member whose value comes next
  std::optional<ingest_error> error_;
};

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

// Validates one event object and moves its fields into `out`. Checks run in a
// fixed order so a given body always yields the same error.
std::optional<ingest_error> read_event(const reader& r, json& value, event& out, bool& client_id) {
  if (!value.is_object()) return bad_request("invalid_event", "expected an event object");
  const bool cloudevent = r.form != body_form::plain;
  std::array<json*, known_members> found{};  // null members stay absent
  for (auto& [key, v] : value.get_ref<json::object_t&>()) {
    const member m = classify(key);
    if (!cloudevent && m > member::traceparent) {
      return bad_request("unknown_field",
                         "unknown field " + in_quotes(key) +
                             (m == member::extension ? "" : " (CloudEvents need Content-Type "
                                                            "application/cloudevents+json)"));
    }
    if (m != member::extension) {
      if (!v.is_null()) found[static_cast<size_t>(m)] = &v;
    } else if (key.empty() || !all_of(key, extension_char)) {
      return bad_request("unknown_field", "unknown field " + in_quotes(key) +
                                              " (extension attribute names are [a-z0-9]+)");
    } else if (v.is_structured()) {
      return invalid(key, "must be a string, number or boolean");
    }
  }
  // Every member but data is a string.
  for (size_t i = 0; i < known_members; ++i) {
    if (!found[i] || found[i]->is_string() || i == static_cast<size_t>(member::data)) continue;
    if (i == static_cast<size_t>(member::id)) {
      return bad_request("invalid_id", "\"id\" must be a string");
    }
    return invalid(member_names[i], "must be a string");
  }
  auto text = [&found](member m) {
    json* v = found[static_cast<size_t>(m)];
    return v ? v->get_ptr<std::string*>() : nullptr;
  };
  std::string* id = text(member::id);
  std::string* type = text(member::type);
  std::string* source = text(member::source);
  std::string* traceparent = text(member::traceparent);
  std::string* data_base64 = text(member::data_base64);
  const json* data = found[static_cast<size_t>(member::data)];

  if (cloudevent) {
    const std::string* specversion = text(member::specversion);
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

  client_id = id != nullptr;
  out.id = id ? std::move(*id) : make_event_id();
  out.type = std::move(*type);
  if (source) out.source = std::move(*source);
  const json* encoded = found[static_cast<size_t>(member::data_base64)];
  out.data = data ? data->dump() : encoded ? encoded->dump() : "null";
  if (traceparent && valid_traceparent(*traceparent)) {
    out.traceparent = std::move(*traceparent);
  } else if (valid_traceparent(r.traceparent_header)) {
    out.traceparent = r.traceparent_header;
  } else {
    out.traceparent = make_traceparent();
  }
  return std::nullopt;
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

  json root;
  // A single CloudEvent must not be an array at all; reject that by shape below
  // rather than by count, so the error says what is wrong.
  strict_dom dom(root, limits.max_depth,
                 form == body_form::cloudevent ? SIZE_MAX : limits.max_events);
  if (!json::sax_parse(body.begin(), body.end(), &dom)) return dom.take_error();

  ingest_request request;
  request.batch = root.is_array();
  if (form == body_form::cloudevent && request.batch) {
    return bad_request("invalid_event", "application/cloudevents+json carries one event; send "
                                        "arrays as application/cloudevents-batch+json");
  }
  if (form == body_form::cloudevent_batch && !request.batch) {
    return bad_request("invalid_event", "application/cloudevents-batch+json needs an array");
  }
  if (form == body_form::plain && request.batch && root.empty()) {
    return bad_request("empty_batch", "the array holds no events");
  }

  if (!request.batch) {
    const reader r{form, limits, traceparent_header};
    bool client_id = false;
    request.events.resize(1);
    if (auto error = read_event(r, root, request.events[0], client_id)) return std::move(*error);
    request.client_ids.push_back(client_id);
    return request;
  }

  const reader r{form, limits, {}};
  auto& items = root.get_ref<json::array_t&>();
  request.events.resize(items.size());
  request.client_ids.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    bool client_id = false;
    if (auto error = read_event(r, items[i], request.events[i], client_id)) {
      error->detail.insert(0, "event[" + std::to_string(i) + "]: ");
      return std::move(*error);
    }
    request.client_ids.push_back(client_id);
  }
  return request;
}

}  // namespace eventbed
