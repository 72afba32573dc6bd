// The one exception storage code throws: an I/O failure of Redis or SQLite.
//
// Storage classes report failures by throwing, so their signatures stay plain.
// Actors catch it at their boundary (an exception escaping a CAF handler kills
// the actor) and turn it into a typed error for the requester.
#pragma once

#include <stdexcept>
#include <string>

namespace eventbed {

class storage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace eventbed
