#include "gateways/json_number.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace eventbed {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool json_number_fits_double(std::string_view number) {
  const char* const first = number.data();
  const char* const last = first + number.size();
  const char* p = first + (*first == '-');
  const char* const int_begin = p;
  const char* const int_end = p = std::find_if_not(p, last, is_digit);
  const char* frac_begin = p;
  const char* frac_end = p;
  if (p != last && *p == '.') {
    frac_begin = p + 1;
    frac_end = p = std::find_if_not(frac_begin, last, is_digit);
  }
  long long exponent = 0;
  if (p != last) {  // 'e' or 'E'
    ++p;
    const bool negative = *p == '-';
    if (*p == '+' || *p == '-') ++p;
    // Saturates far above any text's length, so the sum below stays exact
    // wherever it matters.
    for (; p != last; ++p) {
      if (exponent < 1'000'000'000'000'000) exponent = exponent * 10 + (*p - '0');
    }
    if (negative) exponent = -exponent;
  }
  long long magnitude;  // the value lies in [10^magnitude, 10^(magnitude + 1))
  if (*int_begin != '0') {
    magnitude = (int_end - int_begin) - 1;
  } else {
    const char* digit = std::find_if(frac_begin, frac_end, [](char c) { return c != '0'; });
    if (digit == frac_end) return true;  // zero
    magnitude = -(digit - frac_begin) - 1;
  }
  magnitude += exponent;
  if (magnitude != 308) return magnitude < 308;
  double value;
  return std::from_chars(first, last, value).ec != std::errc::result_out_of_range;
}

}  // namespace eventbed
