// Exact latency percentiles: every sample is kept.
//
// People quote these numbers in reports, so they are computed from the samples
// themselves rather than from a sketch or a histogram; a million samples cost
// 24 MB (16 for the samples, 8 for the sorted copy), which a load generator can
// afford. Percentiles use the nearest-rank definition: the p-th percentile is
// the smallest sample s such that at least p% of all samples are <= s, i.e.
// sorted[ceil(p/100 · n) - 1]. It is always a value that was actually observed.
//
// Bucket counts for a Prometheus histogram are kept alongside, so a scrape does
// not need to touch the samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace eventbed {

struct latency_summary {
  uint64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;  // seconds; 0 when empty
};

class latency_recorder {
 public:
  // Upper bounds (seconds, ascending) of the histogram buckets; +Inf is implied.
  explicit latency_recorder(std::vector<double> bucket_bounds = default_bounds());

  static std::vector<double> default_bounds();

  // A sample of `seconds` that belongs to time `at` (seconds since the run
  // started; the scheduled time of the request it measures).
  void add(double at, double seconds);

  uint64_t count() const;
  double sum() const;

  // The nearest-rank percentile, 0 < p <= 100; 0 when there are no samples.
  double percentile(double p) const;
  latency_summary summary() const;

  // Summaries of the samples whose `at` falls in [i·width, (i+1)·width), for i < bins.
  std::vector<latency_summary> per_bin(double width, size_t bins) const;

  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative: counts()[i] holds samples in (bounds[i-1], bounds[i]]; the last is +Inf.
  const std::vector<uint64_t>& counts() const { return counts_; }

 private:
  struct sample {
    double at;
    double seconds;
  };
  std::vector<sample> samples_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  mutable std::vector<double> sorted_;  // sorted copy of the values, rebuilt when stale
};

// Nearest-rank percentile of values sorted ascending.
double nearest_rank(const std::vector<double>& sorted, double p);

}  // namespace eventbed
