#include "common/served_version.hpp"

#include <cctype>

namespace eventbed {

bool valid_release_label(std::string_view label) {
  if (label.size() > 32)
    return false;
  for (char c : label)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      return false;
  return true;
}

std::string served_version(std::string_view version, std::string_view label) {
  std::string out(version);
  if (!label.empty())
    out.append("+").append(label);
  return out;
}

}  // namespace eventbed
