// The run's reports: the final report (one JSON document), the interval lines
// of --report-every and the downtime-window lines, and a short text summary.
//
// The JSON schema is documented field by field in
// actors/simulator/README.md#the-json-report; scripts read it, so fields are
// only ever added, never renamed, and every line carries `schema_version` and
// `kind` (final, interval, window). Durations and latencies are seconds
// (floating point); times are both ISO 8601 UTC wall-clock strings and offsets
// in seconds since the run started.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "actors/simulator/slo.hpp"

namespace eventbed {

class simulation;
struct downtime_window;

// Bumped when a field is added; fields are never renamed or removed.
inline constexpr int sim_report_schema_version = 3;

// Reads a finished simulation (after simulation::finish).
nlohmann::json make_sim_report(const simulation& sim, const sim_verdict& verdict);

// The current report interval up to `now` (the window's figures and the totals
// since the start); the caller then starts the next with simulation::next_interval.
nlohmann::json make_sim_interval(const simulation& sim, double now);

// One downtime window that has closed.
nlohmann::json make_sim_window_line(const simulation& sim, const downtime_window& w);

// A few lines for a terminal: counts, latency, downtime, verdict.
std::string summarize_sim_report(const nlohmann::json& report);

}  // namespace eventbed
