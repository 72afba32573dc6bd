// When the simulator sends: an open-loop arrival schedule.
//
// Arrival times are fixed before the run starts and never wait for replies, so a
// target that stalls cannot slow the schedule down: its stall shows up as latency
// measured from the scheduled time instead of vanishing (coordinated omission).
//
// Every shape is a piecewise-linear rate r(t) over [0, duration). Arrival k
// (0-based) is at the time t where the expected count Λ(t) = ∫₀ᵗ r equals k, so a
// constant 100/s for 10 s gives exactly 1000 arrivals at 0, 0.01, 0.02, ... .
// Linear pieces make Λ quadratic, which inverts in closed form: counts and times
// are exact, not sampled. Smooth shapes (diurnal, weekly) are cut into 48 linear
// pieces per compressed "day".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eventbed {

enum class load_shape { constant, ramp, step, spike, diurnal, weekly };

std::optional<load_shape> parse_load_shape(const std::string& name);
const char* to_string(load_shape shape);

// The knobs of every shape; `rate` and `duration` apply to all of them.
struct load_shape_params {
  load_shape shape = load_shape::constant;
  double rate = 100;            // events/s: constant level, ramp end, top step, spike base, diurnal/weekly mean
  double duration = 30;         // seconds
  double ramp_from = 0;         // ramp: rate at t = 0
  int steps = 4;                // step: rate/steps, 2·rate/steps, ..., rate in equal slices
  double spike_factor = 5;      // spike: rate × factor while the spike lasts
  double spike_at = -1;         // spike: start in seconds; < 0 centres the spike
  double spike_length = -1;     // spike: length in seconds; < 0 means a tenth of the run
  double amplitude = 0.8;       // diurnal/weekly: swing around the mean, 0..1 (night = mean·(1 - amplitude))
  double weekend_factor = 0.5;  // weekly: days 6 and 7 run at this fraction of a weekday
};

// Over [start, end) the rate moves linearly from `from` to `to` (events/s).
struct rate_piece {
  double start = 0, end = 0, from = 0, to = 0;
};

class load_schedule {
 public:
  // Throws std::invalid_argument naming the parameter that is out of range.
  static load_schedule make(const load_shape_params& params);

  // Pieces must be contiguous from 0 with non-negative rates.
  explicit load_schedule(std::vector<rate_piece> pieces);

  double duration() const;
  double rate_at(double t) const;    // events/s at t; 0 outside [0, duration)
  double expected(double t) const;   // Λ(t): arrivals expected in [0, t)
  uint64_t total() const;            // number of arrivals in [0, duration)
  double arrival(uint64_t k) const;  // time of arrival k, for k < total()

  // The same shape with every rate multiplied by `factor` (a batch of n events
  // per request turns an event schedule into a request schedule with 1/n).
  load_schedule scaled(double factor) const;

  // The schedule cut off at `t`: used when a run is stopped early.
  load_schedule truncated(double t) const;

 private:
  std::vector<rate_piece> pieces_;
  std::vector<double> cumulative_;  // Λ at the start of each piece, plus Λ(duration)
};

}  // namespace eventbed
