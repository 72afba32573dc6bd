#include "gateways/cloudevent_json.hpp"

#include <cstdint>

#include "gateways/base64.hpp"
#include "gateways/json_scanner.hpp"
#include "gateways/media_type.hpp"

namespace eventbed {

namespace {

// Stored JSON is what ingest validated; anything else (an entry some other
// writer put in the log) never makes the answer broken JSON.
bool valid_json(std::string_view text) {
  json_scanner scanner(text, SIZE_MAX);
  json_value value;
  return scanner.read_value(value) && scanner.finish();
}

void member(std::string& out, std::string_view name, std::string_view json_value) {
  out.append(",\"").append(name).append("\":").append(json_value);
}

}  // namespace

std::string cloudevent_json(const event_record& rec) {
  std::string out = R"({"specversion":"1.0")";
  member(out, "id", json_quoted(rec.id));
  member(out, "source", json_quoted(rec.source.empty() ? kNoSource : rec.source));
  member(out, "type", json_quoted(rec.type));
  if (!rec.datacontenttype.empty()) member(out, "datacontenttype", json_quoted(rec.datacontenttype));
  // A compact object: its members go in as they are, between its braces.
  if (rec.attributes.size() > 2 && rec.attributes.front() == '{' && valid_json(rec.attributes)) {
    out.append(",").append(rec.attributes, 1, rec.attributes.size() - 2);
  }
  if (!rec.traceparent.empty()) member(out, "traceparent", json_quoted(rec.traceparent));
  if (rec.binary_data) {
    member(out, "data_base64", json_quoted(base64_encode(rec.data)));
  } else if (rec.data != "null") {
    member(out, "data", valid_json(rec.data) ? rec.data : json_quoted(rec.data));
  }
  out += '}';
  return out;
}

bool accepts_cloudevent(std::string_view accept) {
  const double q = listed_quality(accept, "application/cloudevents+json");
  return q > 0 && q >= listed_quality(accept, "application/json");
}

}  // namespace eventbed
