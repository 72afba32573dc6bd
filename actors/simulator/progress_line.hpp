// The live status line on a terminal: where the run is and what is failing.
//
//   [  12.4s/30s] 100 ev/s target, 99.6 accepted  err 0  pending 7  backlog 0  p99<=25ms  down: -
//
// The rates are over the interval since the previous line. p99 is read from
// the histogram buckets (an upper bound), because sorting every sample a few
// times a second would cost more than the load itself; the report is exact.
#pragma once

#include <cstdint>
#include <string>

#include "actors/simulator/metrics.hpp"

namespace eventbed {

class progress_line {
 public:
  explicit progress_line(double duration);

  // One line, without a newline, for "\r" redrawing.
  std::string render(const sim_metrics_snapshot& s);

 private:
  double duration_;
  double last_elapsed_ = 0;
  uint64_t last_accepted_ = 0;
};

}  // namespace eventbed
