// A bounded latency histogram with log-linear buckets, in the manner of
// HdrHistogram: memory does not grow with the number of samples.
//
// Values are seconds, recorded to the nearest microsecond. Below 2^(bits+1) µs
// every microsecond has its own bucket; above, each power of two is cut into
// 2^bits equal buckets, so a bucket is never wider than 1/2^bits of the values
// in it. A percentile is the upper edge of the bucket holding the nearest-rank
// sample (clamped to the exact min and max), so it is never below the exact
// nearest-rank value (less half a microsecond) and at most relative_error()
// above it. min, max, sum
// and mean are exact.
//
// Debian 12 packages no C or C++ HdrHistogram (only the Go and Java ones),
// and this needs a fraction of that library: record, percentile, merge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace eventbed {

class log_histogram {
 public:
  // 2^bits buckets per power of two (bits = 7: relative error 1/128 < 0.8%).
  // Values above `max_seconds` land in the last bucket; max stays exact.
  explicit log_histogram(int bits = 7, double max_seconds = 86400);

  void record(double seconds);
  // Adds every sample of `other`, which must have the same bits and range.
  void merge(const log_histogram& other);
  void reset();

  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double min() const { return count_ ? min_ : 0; }
  double max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? sum_ / count_ : 0; }
  // Nearest rank, 0 < p <= 100; 0 when empty.
  double percentile(double p) const;
  double relative_error() const;

 private:
  size_t index_of(uint64_t micros) const;
  uint64_t upper_edge(size_t index) const;  // largest value (µs) in the bucket

  int bits_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0, min_ = 0, max_ = 0;
};

}  // namespace eventbed
