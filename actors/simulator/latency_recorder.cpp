#include "actors/simulator/latency_recorder.hpp"

#include <algorithm>
#include <cmath>

namespace eventbed {

namespace {

latency_summary summarize(std::vector<double>& values) {
  latency_summary s;
  if (values.empty())
    return s;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values)
    sum += v;
  s.count = values.size();
  s.p50 = nearest_rank(values, 50);
  s.p90 = nearest_rank(values, 90);
  s.p99 = nearest_rank(values, 99);
  s.p999 = nearest_rank(values, 99.9);
  s.max = values.back();
  s.mean = sum / values.size();
  return s;
}

}  // namespace

double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  // p·n/100 is often meant to be an integer but lands a hair above it in binary
  // (99.9 % of 41000 comes out as 40959.00000000001); the epsilon keeps ceil()
  // from skipping a rank.
  double rank = std::ceil(p * static_cast<double>(sorted.size()) / 100 - 1e-9);
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

latency_recorder::latency_recorder(std::vector<double> bucket_bounds)
    : bounds_(std::move(bucket_bounds)), counts_(bounds_.size() + 1, 0) {}

std::vector<double> latency_recorder::default_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

void latency_recorder::add(double at, double seconds) {
  samples_.push_back({at, seconds});
  sum_ += seconds;
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  ++counts_[std::distance(bounds_.begin(), it)];
  sorted_.clear();
}

uint64_t latency_recorder::count() const {
  return samples_.size();
}

double latency_recorder::sum() const {
  return sum_;
}

double latency_recorder::percentile(double p) const {
  if (sorted_.size() != samples_.size()) {
    sorted_.clear();
    for (const auto& s : samples_)
      sorted_.push_back(s.seconds);
    std::sort(sorted_.begin(), sorted_.end());
  }
  return nearest_rank(sorted_, p);
}

latency_summary latency_recorder::summary() const {
  std::vector<double> values;
  values.reserve(samples_.size());
  for (const auto& s : samples_)
    values.push_back(s.seconds);
  return summarize(values);
}

std::vector<latency_summary> latency_recorder::per_bin(double width, size_t bins) const {
  std::vector<std::vector<double>> values(bins);
  for (const auto& s : samples_) {
    if (s.at < 0 || width <= 0)
      continue;
    auto bin = static_cast<size_t>(s.at / width);
    if (bin < bins)
      values[bin].push_back(s.seconds);
  }
  std::vector<latency_summary> out;
  for (auto& v : values)
    out.push_back(summarize(v));
  return out;
}

}  // namespace eventbed
