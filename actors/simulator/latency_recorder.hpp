// Latency of one kind (ingest or visible), in bounded memory.
//
// Percentiles come from a log-linear histogram (log_histogram.hpp): a report
// quotes them within latency_recorder::relative_error() (under 1%) of the exact
// nearest-rank value, never below it, however long the run. min, max and mean
// are exact. Bucket counts for a Prometheus histogram are kept alongside, so a
// scrape does not touch the percentile histogram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "actors/simulator/log_histogram.hpp"

namespace eventbed {

struct latency_summary {
  uint64_t count = 0;
  // seconds; 0 when empty
  double min = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

latency_summary summarize(const log_histogram& h);

class latency_recorder {
 public:
  // Upper bounds (seconds, ascending) of the Prometheus buckets; +Inf is implied.
  explicit latency_recorder(std::vector<double> bucket_bounds = default_bounds());

  static std::vector<double> default_bounds();
  // The percentiles' bound: at most this much (relative) above the exact value.
  static double relative_error();

  void add(double seconds);

  uint64_t count() const { return histogram_.count(); }
  double sum() const { return histogram_.sum(); }
  double percentile(double p) const { return histogram_.percentile(p); }
  latency_summary summary() const { return summarize(histogram_); }
  const log_histogram& histogram() const { return histogram_; }

  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative: counts()[i] holds samples in (bounds[i-1], bounds[i]]; the last is +Inf.
  const std::vector<uint64_t>& counts() const { return counts_; }

 private:
  log_histogram histogram_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
};

}  // namespace eventbed
