// Reading back the timestamps eventbed writes (common/wall_clock.hpp).
#pragma once

#include <cstdio>
#include <ctime>
#include <string>

namespace eventbed {

// "2026-11-22T10:00:00.123Z" -> seconds since the epoch.
inline double iso_seconds(const std::string& iso) {
  std::tm tm{};
  int ms = 0;
  std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
              &tm.tm_sec, &ms);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return double(timegm(&tm)) + ms / 1000.0;
}

}  // namespace eventbed
