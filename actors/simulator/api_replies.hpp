// How the simulator reads eventbed's HTTP answers.
//
// The contract: POST /ingest answers 202 with {"id","duplicate"} for one event
// or {"ids":[...],"duplicates":n} for an array, anything else stores nothing;
// GET /events/{id} answers 200 with the record or 404 {"error":"not_found"}
// until the projection has it. A 404 without that body (a wrong --query URL hits
// Pistache's own "no route" 404) is a failed query, not an unknown event.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/simulator/event_factory.hpp"
#include "common/http_client.hpp"
#include "actors/simulator/ledger.hpp"

namespace eventbed {

struct ingest_reply {
  bool accepted = false;          // 202: the events are stored
  std::vector<std::string> ids;   // as answered, in request order (empty if unreadable)
  bool duplicate = false;         // single event: "duplicate": true
  uint64_t duplicates = 0;        // batch: "duplicates"
  std::string problem;            // a 202 whose body does not follow the contract
};

ingest_reply read_ingest_reply(const sim_http_response& res, uint32_t count);

// Worth another attempt: overload, timeouts and connection failures, not 4xx.
bool retryable(const sim_http_response& res);

// Whether a refused ingest request may still have stored its events: no
// answer after the request went out (timeout, a broken connection), or a 503
// that says Redis may have applied the write (redis_unavailable, timeout).
// A refused connection, a 4xx and the other 503s stored nothing.
bool maybe_stored(const sim_http_response& res);

// What GET /events/{id} says about event `seq`, content compared with what was sent.
poll_answer read_event_record(const sim_http_response& res, const event_factory& events, uint64_t seq);

}  // namespace eventbed
