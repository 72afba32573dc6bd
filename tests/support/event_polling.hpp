// Polls GET /events/{id} until the event reaches a status: the way a client
// (and the simulator) learns that the pipeline finished with an event.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

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

// The ids whose event has none of `statuses` by the deadline: the accepted
// events a client would never see finished. Polled in order, one shared deadline.
inline std::vector<std::string> unfinished(const std::vector<std::string>& ids, const eventbed_process& query,
                                           const std::set<std::string>& statuses,
                                           std::chrono::milliseconds timeout) {
  http_client client(2000);
  auto finished = [&](const std::string& id) {
    auto res = client.get(query.url("/events/" + id));
    auto body = nlohmann::json::parse(res.body, nullptr, false);
    return res.status == 200 && body.is_object() && statuses.count(body.value("status", "")) > 0;
  };
  size_t done = 0;
  eventually(
      [&] {
        while (done < ids.size() && finished(ids[done]))
          ++done;  // a later one is unlikely to be done before this one
        return done == ids.size();
      },
      timeout, std::chrono::milliseconds(50));
  std::vector<std::string> left;  // past the deadline: each of the rest asked once
  for (size_t i = done; i < ids.size(); ++i)
    if (!finished(ids[i]))
      left.push_back(ids[i]);
  return left;
}

}  // namespace eventbed
