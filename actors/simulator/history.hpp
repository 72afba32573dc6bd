// A synthetic past for predictive autoscalers: the load shape written as
// OpenMetrics samples instead of being sent.
//
// `eventbed simulate --shape weekly --history 7d --history-out FILE` writes
// what Prometheus would have scraped from eventbed over the last week had the
// simulator run that shape all along, without sending a single event. Feed it
// to `promtool tsdb create-blocks-from openmetrics FILE DIR` and a predictive
// scaler (KEDA's predictkube) has a week of history to learn from on day one.
//
// The series is the one a live ingest process exports,
// eventbed_events_ingested_total (a counter, no labels of its own), so that
// history and live data join without a seam: add the target labels the scrape
// adds (job, namespace, ...) with --history-label, and queries such as
// sum(rate(eventbed_events_ingested_total[5m])) run across both.
//
// The shape is laid on the calendar, not on the run: weekly repeats every
// week from Monday 00:00 UTC (busiest at noon on weekdays, weekends at
// --weekend-factor), diurnal every day from midnight UTC; any other shape
// spans the history once. The counter is the exact integral of the rate
// (load_schedule::expected), rounded down to whole events, so rate() over any
// window gives the shape back.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "actors/simulator/load_schedule.hpp"

namespace eventbed {

struct history_options {
  load_shape_params load;   // shape, rate (the mean) and the shape's knobs; duration is ignored
  double length = 7 * 86400;  // seconds of history, ending at `end`
  double step = 60;           // seconds between samples (a scrape interval)
  double end = 0;             // unix seconds of the last sample
  std::vector<std::pair<std::string, std::string>> labels;  // added to every sample
};

// Writes the OpenMetrics text (ending in "# EOF"). Throws std::invalid_argument
// naming the option that is out of range.
void write_history(const history_options& opts, std::ostream& out);

// "NAME=VALUE" as a label pair, or "" and a problem: NAME must be a Prometheus
// label name that does not start with "__".
std::string parse_history_label(const std::string& text, std::pair<std::string, std::string>* label);

}  // namespace eventbed
