// Reading eventbed's Redis streams in tests: the ground truth of what was logged.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "storage/event_entry.hpp"
#include "storage/redis_connection.hpp"

namespace eventbed {

// The event id of every entry of `stream` ("eventbed:events" holds one entry
// per logged event, in either format; "eventbed:outcomes" one per outcome
// written, with the event's id in its `id` field), in stream order, read a
// page at a time. `redis` is what --redis takes.
inline std::vector<std::string> logged_ids(const std::string& redis,
                                           const std::string& stream = "eventbed:events") {
  auto ep = parse_redis_endpoint(redis);
  ep.io_timeout = std::chrono::seconds(20);
  redis_connection conn(ep);
  std::vector<std::string> ids;
  std::string start = "-";
  constexpr size_t page_size = 5000;
  for (;;) {
    auto page = conn.command({"XRANGE", stream, start, "+", "COUNT", std::to_string(page_size)});
    for (auto& entry : page.elements) {
      auto& fields = entry.elements[1].elements;
      if (stream == "eventbed:events") {
        ids.push_back(decode_event_entry(fields).id);
        continue;
      }
      for (size_t i = 0; i + 1 < fields.size(); i += 2)
        if (fields[i].str == "id")
          ids.push_back(fields[i + 1].str);
    }
    if (page.elements.size() < page_size)
      return ids;
    start = "(" + page.elements.back().elements[0].str;  // exclusive: after the last one read
  }
}

}  // namespace eventbed
