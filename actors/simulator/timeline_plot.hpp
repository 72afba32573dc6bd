// The report's timeline as a picture: an outage is easier to see than to read.
//
// Renders a PNG with gnuplot (a separate program, run as a child process):
// target and accepted event rates on the left axis, ingest p99 latency on the
// right, functional downtime windows shaded red and health windows orange.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace eventbed {

// Whether a `gnuplot` program is on PATH, so a run can refuse --plot up front.
bool gnuplot_available();

// Writes `png_path` from a report made by make_sim_report. Returns "" on
// success, else what went wrong.
std::string render_timeline_plot(const nlohmann::json& report, const std::string& png_path);

}  // namespace eventbed
