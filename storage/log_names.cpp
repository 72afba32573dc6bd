#include "storage/log_names.hpp"

#include <cctype>

namespace eventbed {

log_names log_names::with_prefix(const std::string& prefix) {
  log_names n;
  n.events = prefix + "events";
  n.outcomes = prefix + "outcomes";
  n.dedupe_prefix = prefix + "dedupe:";
  n.format = prefix + "log-format";
  n.projections = prefix + "projections";
  n.trimmed_prefix = prefix + "trimmed:";
  return n;
}

std::string check_key_prefix(const std::string& prefix) {
  if (prefix.empty())
    return "the key prefix must not be empty";
  for (unsigned char c : prefix)
    if (std::isspace(c) || std::iscntrl(c))
      return "the key prefix must not contain whitespace or control characters";
  return "";
}

}  // namespace eventbed
