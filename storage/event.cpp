#include "storage/event.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace eventbed {

int64_t stream_id_ms(const std::string& stream_id) {
  return std::strtoll(stream_id.c_str(), nullptr, 10);
}

std::string iso8601_utc(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace eventbed
