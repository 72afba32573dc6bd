// The event objects of an ingest body, read in one pass.
//
// An ingest body is one event object, or an array whose elements should be
// event objects. read_envelope() checks the whole body with json_scanner
// (strict grammar, depth, duplicate keys at every depth: json_scanner.hpp)
// and records each top-level object's members: the decoded key, and the value
// as a span of the body. Nothing deeper is kept, since ingest stores `data` as
// text; deciding what the members mean is the event parser's business.
//
// Limits and errors:
//   - max_depth counts the top-level array too.
//   - A top-level array holds at most max_elements elements: the next one
//     fails with too_many_elements as soon as it starts (an object or array,
//     after the depth check) or once it is read (any other value), so nothing
//     after it is looked at. A body that is not an array has no such limit.
//   - too_deep and duplicate_key raised inside an element of the top-level
//     array name that element in `element`; syntax and too_many_elements
//     errors never do, nor does anything in a body that is not an array.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateways/json_scanner.hpp"

namespace eventbed {

struct json_member {
  std::string key;   // decoded
  json_value value;  // a span of the body
};

// The body itself, or one element of the top-level array.
struct json_element {
  json_kind kind = json_kind::null;
  size_t first_member = 0;  // an object's members: [first_member, first_member + member_count)
  size_t member_count = 0;
};

struct json_envelope {
  bool array = false;                  // the body is an array of elements
  std::vector<json_element> elements;  // exactly one unless `array`
  std::vector<json_member> members;    // of every object element, in body order
};

struct envelope_error {
  json_error error;
  std::optional<size_t> element;  // the top-level array element the error lies in
};

// The body's values are views into `body`, which must outlive the result.
std::variant<json_envelope, envelope_error> read_envelope(std::string_view body,
                                                          size_t max_depth,
                                                          size_t max_elements);

}  // namespace eventbed
