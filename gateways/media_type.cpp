#include "gateways/media_type.hpp"

namespace eventbed {

namespace {

bool iends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && iequals(text.substr(text.size() - suffix.size()), suffix);
}

// Splits off the text up to the next `separator`, consuming the separator.
std::string_view next_part(std::string_view& text, char separator) {
  const size_t end = text.find(separator);
  const std::string_view part = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  return part;
}

// RFC 9110 section 12.4.2: "0" or "1", or a fraction of up to three digits
// ("0.5", "1.000"). Anything else counts as 0: the range accepts nothing.
double qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return 0.0;
  const double whole = text[0] - '0';
  if (text.size() == 1) return whole;
  if (text[1] != '.' || text.size() > 5) return 0.0;
  double fraction = 0.0, scale = 0.1;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9' || (whole == 1.0 && c != '0')) return 0.0;
    fraction += (c - '0') * scale;
    scale /= 10;
  }
  return whole + fraction;
}

}  // namespace

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string_view media_essence(std::string_view media_type) {
  return trim_ows(next_part(media_type, ';'));
}

std::optional<std::string_view> media_parameter(std::string_view media_type, std::string_view name) {
  next_part(media_type, ';');  // the essence
  while (!media_type.empty()) {
    std::string_view param = next_part(media_type, ';');
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos || !iequals(trim_ows(param.substr(0, eq)), name)) continue;
    std::string_view value = trim_ows(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

bool json_media_type(std::string_view media_type) {
  const std::string_view essence = media_essence(media_type);
  const size_t slash = essence.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view subtype = essence.substr(slash + 1);
  return iequals(subtype, "json") || iends_with(subtype, "+json");
}

double listed_quality(std::string_view accept, std::string_view essence) {
  while (!accept.empty()) {
    const std::string_view range = next_part(accept, ',');
    if (iequals(media_essence(range), essence)) return qvalue(media_parameter(range, "q").value_or("1"));
  }
  return 0.0;
}

}  // namespace eventbed
