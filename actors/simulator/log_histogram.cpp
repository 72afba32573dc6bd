#include "actors/simulator/log_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace eventbed {

// Layout: values v < 2^(bits+1) sit in bucket v (exact). Above, with
// m = floor(log2 v) and shift s = m - bits, v >> s lies in [2^bits, 2^(bits+1))
// and the bucket is 2^(bits+1) + (s-1)·2^bits + (v >> s) - 2^bits.

log_histogram::log_histogram(int bits, double max_seconds) : bits_(std::clamp(bits, 1, 16)) {
  auto top = static_cast<uint64_t>(std::max(1.0, max_seconds * 1e6));
  counts_.assign(index_of(top) + 1, 0);
}

size_t log_histogram::index_of(uint64_t v) const {
  uint64_t linear = uint64_t{1} << (bits_ + 1);
  if (v < linear)
    return static_cast<size_t>(v);
  int m = 63 - __builtin_clzll(v);
  int s = m - bits_;
  uint64_t half = uint64_t{1} << bits_;
  return static_cast<size_t>(linear + (s - 1) * half + (v >> s) - half);
}

uint64_t log_histogram::upper_edge(size_t index) const {
  uint64_t linear = uint64_t{1} << (bits_ + 1);
  if (index < linear)
    return index;
  uint64_t half = uint64_t{1} << bits_;
  uint64_t s = (index - linear) / half + 1;
  uint64_t top = (index - linear) % half + half;  // v >> s
  return ((top + 1) << s) - 1;
}

void log_histogram::record(double seconds) {
  if (!(seconds >= 0))  // also NaN
    seconds = 0;
  auto micros = static_cast<uint64_t>(std::min(seconds * 1e6 + 0.5, 1.8e19));  // the nearest µs
  ++counts_[std::min(index_of(micros), counts_.size() - 1)];
  min_ = count_ ? std::min(min_, seconds) : seconds;
  max_ = count_ ? std::max(max_, seconds) : seconds;
  ++count_;
  sum_ += seconds;
}

void log_histogram::merge(const log_histogram& other) {
  if (!other.count_)
    return;
  for (size_t i = 0; i < counts_.size() && i < other.counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = count_ ? std::max(max_, other.max_) : other.max_;
  count_ += other.count_;
  sum_ += other.sum_;
}

void log_histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = min_ = max_ = 0;
}

double log_histogram::percentile(double p) const {
  if (!count_)
    return 0;
  // The epsilon keeps 99.9 % of 41000 (40959.00000000001 in binary) at rank 40959.
  double rank = std::ceil(p * static_cast<double>(count_) / 100 - 1e-9);
  uint64_t want = rank < 1 ? 1 : static_cast<uint64_t>(rank);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= want && i + 1 == counts_.size())
      return max_;  // the last bucket also holds everything past the range
    if (seen >= want)
      return std::clamp(static_cast<double>(upper_edge(i)) / 1e6, min_, max_);
  }
  return max_;
}

double log_histogram::relative_error() const {
  return 1.0 / static_cast<double>(uint64_t{1} << bits_);
}

}  // namespace eventbed
