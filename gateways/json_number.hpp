// Whether a JSON number fits a double, decided as nlohmann::json decides it.
//
// nlohmann reads a number that is not a 64-bit integer with strtod and
// rejects it when the result is infinite ("1e999", or an integer of 400
// digits); underflow ("1e-999") reads as 0 and is accepted. Ingest keeps that
// rule without converting every number: the decimal exponent settles all but
// numbers within a factor of ten of the largest double, and those are
// converted with std::from_chars, which rounds correctly, as glibc's strtod
// does, so both agree on where overflow starts (just past DBL_MAX + ulp/2).
#pragma once

#include <string_view>

namespace eventbed {

// `number` must match RFC 8259's number grammar.
bool json_number_fits_double(std::string_view number);

}  // namespace eventbed
