// Where the time of a chained run went, hop by hop.
//
// A chain A -> B -> C (actors/pipeline/README.md#chains) keeps one event id at
// every hop, and each hop's GET /events/{id} says when it accepted the event
// and when it processed it. The simulator sends to A and verifies at C
// (--query), which gives the end-to-end visible latency; with the upstream
// hops' query URLs (--hop, in chain order), it also reads a sample of the
// events back from every hop once the run is over, and splits each event's
// time from A's acceptance to C's processing into one share per hop:
//   hop i (not the last)  accepted at hop i+1 - accepted at hop i
//                         (its queue, processing, injected faults and the forward)
//   the last hop          processed there - accepted there
// Times are the hops' own clocks, at millisecond resolution.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actors/simulator/simulate_options.hpp"
#include "common/http_client.hpp"

namespace eventbed {

// accepted_at / processed_at of one record, as milliseconds; -1 if absent.
struct hop_times {
  int64_t accepted_ms = -1, processed_ms = -1;
};

// The record's times, or both -1 when the answer is not a processed or failed record.
hop_times read_hop_times(const sim_http_response& res);

// "2026-11-22T10:00:00.123Z" as milliseconds since the epoch; -1 if malformed.
int64_t parse_iso8601_ms(const std::string& text);

// Reads up to `sample` of the events 0..sent-1 (evenly spread; id_of(seq) is
// the event id) from every hop in `hops` (chain order, the last hop last) and
// returns {"sampled", "hops": [{"name", "share_p50_ms", "share_p99_ms",
// "share_mean_ms", "fraction"}], "end_to_end_p50_ms", "end_to_end_p99_ms"};
// `fraction` is the hop's part of the mean end-to-end time. Events missing at
// some hop are left out of the sample.
nlohmann::json hop_breakdown(sim_http_client& client, const std::vector<named_url>& hops, uint64_t sent,
                             const std::function<std::string(uint64_t)>& id_of, size_t sample = 200);

}  // namespace eventbed
