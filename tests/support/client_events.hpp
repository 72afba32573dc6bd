// Events as a client that chose their ids sends them: appended through the
// log's dedupe script, so a second append of the same id is a duplicate.
#pragma once

#include <vector>

#include "storage/event.hpp"

namespace eventbed {

inline event with_client_id(event ev) {
  ev.client_id = true;
  return ev;
}

inline std::vector<event> with_client_ids(std::vector<event> events) {
  for (auto& ev : events)
    ev.client_id = true;
  return events;
}

}  // namespace eventbed
