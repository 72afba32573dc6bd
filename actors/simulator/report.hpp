// The end-of-run report: one JSON document, and a short text summary of it.
//
// The JSON schema is documented field by field in
// actors/simulator/README.md#the-json-report; scripts
// read it, so fields are only ever added, never renamed. Durations and
// latencies are seconds (floating point); times are both ISO 8601 UTC wall-clock
// strings and offsets in seconds since the run started.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "actors/simulator/slo.hpp"

namespace eventbed {

class simulation;

// Reads a finished simulation (after simulation::finish).
nlohmann::json make_sim_report(const simulation& sim, const sim_verdict& verdict);

// A few lines for a terminal: counts, latency, downtime, verdict.
std::string summarize_sim_report(const nlohmann::json& report);

}  // namespace eventbed
