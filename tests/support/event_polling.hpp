// Polls GET /events/{id} until the event reaches a status: the way a client
// (and the simulator) learns that the pipeline finished with an event.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/deadline.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"

namespace eventbed {

// The event's JSON once its status is `status`, or null on timeout.
inline nlohmann::json wait_for_status(http_client& client, const eventbed_process& proc,
                                      const std::string& id, const std::string& status,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  nlohmann::json found;
  eventually(
      [&] {
        auto res = client.get(proc.url("/events/" + id));
        if (res.status != 200)
          return false;
        auto body = nlohmann::json::parse(res.body, nullptr, false);
        if (body.is_discarded() || body.value("status", "") != status)
          return false;
        found = body;
        return true;
      },
      timeout, std::chrono::milliseconds(20));
  return found;
}

}  // namespace eventbed
