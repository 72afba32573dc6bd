// Reading one sample out of a Prometheus text exposition in tests.
#pragma once

#include <string>

namespace eventbed {

// The value of `series` (a metric name, with its labels exactly as rendered),
// or -1 if absent. `text` must start with a newline so the first line matches too.
inline double sample(const std::string& text, const std::string& series) {
  auto pos = text.find("\n" + series + " ");
  return pos == std::string::npos ? -1 : std::stod(text.substr(pos + series.size() + 2));
}

}  // namespace eventbed
