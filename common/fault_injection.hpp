// Experiment knobs: faults a user switches on to reproduce classic scenarios
// (errors, slow dependencies, CPU-heavy work) against a real pipeline.
// Everything is off by default and costs one branch when off.
#pragma once

#include <chrono>
#include <string>

namespace eventbed {

// A random duration drawn uniformly from [min, max].
struct latency_range {
  std::chrono::microseconds min{0};
  std::chrono::microseconds max{0};

  bool active() const { return max.count() > 0; }
  std::chrono::microseconds draw() const;
};

// "N" or "MIN-MAX" in milliseconds (fractions allowed: "0.5-2"). Throws
// std::invalid_argument with a readable message otherwise.
latency_range parse_latency_range(const std::string& text);

struct fault_injection {
  double error_rate = 0;         // probability that an operation fails
  latency_range request_latency;  // added to public HTTP requests
  latency_range process_latency;  // waited per event by processors
  std::chrono::microseconds process_cpu{0};  // CPU burned per event by processors

  bool fail_now() const;          // true with probability error_rate
};

// Spins until this thread has used `d` of CPU time: work an autoscaler can
// see, unlike a sleep, and the same cost per event however busy the machine is.
void burn_cpu(std::chrono::microseconds d);

}  // namespace eventbed
