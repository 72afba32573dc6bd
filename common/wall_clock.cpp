#include "common/wall_clock.hpp"

#include <chrono>
#include <cstdio>

namespace eventbed {

namespace {

// Floor division: the day and millisecond of an instant before the epoch too.
int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard
// Hinnant's civil_from_days, public domain). Computed in 64-bit integers
// rather than with gmtime_r, because time_t is 32 bits on Debian's armhf and
// would wrap on 2038-01-19.
void civil_from_days(int64_t days, int64_t& year, int& month, int& day) {
  days += 719468;  // from 0000-03-01, so that a leap day ends each year
  const int64_t era = floor_div(days, 146097);
  const int64_t day_of_era = days - era * 146097;                                        // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;                          // [0, 11]
  day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

}  // namespace

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso8601_utc(int64_t ms) {
  constexpr int64_t ms_per_day = 86400000;
  const int64_t days = floor_div(ms, ms_per_day);
  const int64_t ms_of_day = ms - days * ms_per_day;
  int64_t year;
  int month, day;
  civil_from_days(days, year, month, day);
  const int64_t seconds = ms_of_day / 1000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", static_cast<long long>(year), month,
                day, static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                static_cast<int>(seconds % 60), static_cast<int>(ms_of_day % 1000));
  return buf;
}

}  // namespace eventbed
